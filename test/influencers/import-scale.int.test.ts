/**
 * Issue 12 item 8: `ingest influencers import` of 100 000 records, as a child process against
 * the real Redis. It failed with "Maximum call stack size exceeded" (a WATCH of every key as
 * one argument spread), reported as "Redis unreachable". Now the import commits, a re-import
 * that changes every record commits, and `list` prints them all.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influencerKeys } from '../../src/influencers/index.js';
import { services, uniqueName } from '../harness/index.js';
import { startCli } from '../e2e/cli-process.js';

const COUNT = 100_000;

function records(label: string): string {
  const list = Array.from({ length: COUNT }, (_, i) => ({
    id: `inf-${i}`,
    address: `0x${i.toString(16).padStart(40, '0')}`,
    label: `${label} ${i}`,
  }));
  return JSON.stringify(list);
}

describe('influencers import at scale', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-import-scale-'));
  const prefix = `${uniqueName('import_scale')}:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(services().redis.url);
  });
  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(keys);
    } while (cursor !== '0');
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(
    ...argv: string[]
  ): Promise<{ code: number | string; out: string; err: string; ms: number }> {
    const at = Date.now();
    const run = startCli(['influencers', ...argv], {
      INGEST_REDIS_URL: services().redis.url,
      INGEST_REDIS_KEY_PREFIX: prefix,
    });
    const code = await run.exited;
    return { code, out: run.stdout(), err: run.stderr(), ms: Date.now() - at };
  }

  it(`imports ${COUNT} records, re-imports them changed, and lists them`, { timeout: 300_000 }, async () => {
    writeFileSync(join(dir, 'a.json'), records('first'));
    const first = await cli('import', join(dir, 'a.json'), '--json');
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ dryRun: false, unchanged: 0 });
    expect((JSON.parse(first.out) as { added: string[] }).added).toHaveLength(COUNT);
    expect(await redis.scard(influencerKeys(prefix).ids)).toBe(COUNT);

    writeFileSync(join(dir, 'b.json'), records('second'));
    const second = await cli('import', join(dir, 'b.json'), '--json');
    expect(second.code, second.err).toBe(0);
    expect((JSON.parse(second.out) as { changed: unknown[] }).changed).toHaveLength(COUNT);

    const list = await cli('list');
    expect(list.code, list.err).toBe(0);
    expect(list.out.trim().split('\n')).toHaveLength(COUNT + 1); // header + one row each
    process.stderr.write(
      `import-scale: import ${first.ms} ms, re-import ${second.ms} ms, list ${list.ms} ms for ${COUNT} records\n`,
    );
  });
});
