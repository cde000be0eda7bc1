// buildSinks with ClickHouse: the raw-events schema is migrated as the sinks are built, not
// inside the first insert (at 2 000 signals/s a second of migrations in that insert is 6 000
// raw events queued behind it), and a ClickHouse that is down at start is a warning the first
// insert retries, not a failed start.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSinks } from '../../src/app/sinks.js';
import type { SinkSet } from '../../src/app/sinks.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { systemClock } from '../../src/core/index.js';
import { httpClickHouse } from '../../src/sinks/clickhouse/index.js';
import { services, uniqueName } from '../harness/index.js';
import { until } from '../kit/index.js';
import { captureLogger } from '../core/capture-logger.js';

const built: SinkSet[] = [];
afterEach(async () => {
  await Promise.all(built.splice(0).map((s) => s.close(2000)));
});

async function sinksOn(url: string, database: string, logger = captureLogger()): Promise<SinkSet> {
  const dir = mkdtempSync(join(tmpdir(), 'sinks-ch-'));
  const config = parseServiceConfig({
    sinks: {
      clickhouse: { url, database },
      local: { dir: join(dir, 'out') },
      spool: { dir: join(dir, 'spool') },
    },
  });
  const sinks = await buildSinks({ config, logger, clock: systemClock });
  built.push(sinks);
  return sinks;
}

describe('buildSinks with ClickHouse', () => {
  it('creates the raw-events table before any raw event is enqueued', async () => {
    const database = uniqueName('sinks_eager');
    const url = services().clickhouse.url;
    const sinks = await sinksOn(url, database);
    expect(sinks.describe).toMatch(new RegExp(`raw events -> clickhouse .* db ${database}`));
    const admin = httpClickHouse({ url });
    try {
      await until(
        async () =>
          (
            await admin.queryRows(
              `SELECT name FROM system.tables WHERE database = '${database}' AND name = 'raw_events'`,
            )
          ).length === 1,
        15_000,
        `raw_events in ${database}`,
      );
      expect(sinks.raw.stats().delivered).toBe(0);
    } finally {
      await admin.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
      await admin.close();
    }
  });

  it('starts with ClickHouse down, and says so once', async () => {
    const logger = captureLogger();
    // Nothing listens on port 9.
    const sinks = await sinksOn('http://127.0.0.1:9', uniqueName('sinks_down'), logger);
    await until(
      () => logger.lines.some((l) => l.msg.includes('clickhouse schema not ready at start')),
      15_000,
      'the start-up warning',
    );
    const warned = logger.lines.filter((l) => l.msg.includes('clickhouse schema not ready at start'));
    expect(warned).toHaveLength(1);
    expect(warned[0]?.level).toBe('warn');
    expect(String(warned[0]?.fields['err'])).toMatch(/clickhouse migrations failed/);
    expect(sinks.raw.stats().mode).toBe('memory');
  });
});
