/**
 * `ingest replay --clickhouse` reads the raw store (de-duplicated, FINAL) and must reproduce
 * byte for byte what replay from an NDJSON file of the same events produces, with each
 * event stored twice (two listeners' copies) to prove the store's dedup does not matter.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/cli/commands/replay.js';
import { createClickHouseRawEventStore } from '../../src/sinks/clickhouse/index.js';
import { services, uniqueName } from '../harness/index.js';
import { raw, specs } from './replay-fixtures.js';

async function cli(args: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  const code = await runReplay({ mode: 'block', classes: 'perp,hip3', ...args }, stdout, stderr);
  return { code, out: out.join('') };
}

describe('ingest replay from ClickHouse', () => {
  it('reproduces the file replay byte for byte', async () => {
    const { clickhouse } = services();
    const database = uniqueName('replay');
    const events = specs.map((s) => raw(s));
    // The secondary's copies arrive later; the store must keep the first arrival.
    const copies = specs.map((s) => ({ ...raw(s, 'inf-1/secondary'), ingestTime: raw(s).ingestTime + 40 }));
    const store = createClickHouseRawEventStore({ url: clickhouse.url, database, maxBatchDelayMs: 10 });
    try {
      await store.insert([...events, ...copies]);
      await store.flush();
    } finally {
      await store.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'replay-ch-'));
    const file = join(dir, 'raw.ndjson');
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');

    const fromFile = await cli({ file });
    const fromCh = await cli({ clickhouse: clickhouse.url, database, influencer: 'inf-1' });
    expect(fromCh.code).toBe(0);
    expect(fromFile.out.trim().split('\n').length).toBeGreaterThan(2);
    expect(fromCh.out).toBe(fromFile.out);
  });

  it('refuses ambiguous or incomplete input with a usage error', async () => {
    await expect(cli({})).rejects.toThrow(/exactly one of --file/);
    await expect(cli({ clickhouse: 'http://127.0.0.1:1' })).rejects.toThrow(/needs --influencer/);
  });
});
