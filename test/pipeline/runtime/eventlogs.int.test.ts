/**
 * The composition root's backend choice: `eventLog.backend` in config builds the file, Postgres or
 * NATS adapter (events and quarantine apart), and the retention loop applies the configured
 * limits on the clock's timer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { PipelineConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/core/index.js';
import { openEventLog, startRetention } from '../../../src/pipeline/runtime/eventlogs.js';
import { services, uniqueName } from '../../harness/index.js';
import { ManualClock } from '../../kit/index.js';

const rec = (i: number, t0 = 0) => ({
  partition: 'BTC#0',
  eventId: i.toString(16).padStart(64, '0'),
  timestampMs: t0 + 1_000 * i,
  bytes: Buffer.alloc(100, i),
});

describe('event log backend from config', () => {
  const configs = (): Record<'file' | 'postgres' | 'nats', unknown> => ({
    file: { backend: 'file' },
    postgres: { backend: 'postgres', postgres: { url: services().postgres.url, table: uniqueName('rt') } },
    nats: {
      backend: 'nats',
      nats: { servers: services().nats.url, streamPrefix: uniqueName('RT'), subjectPrefix: uniqueName('rt') },
    },
  });
  for (const backend of ['file', 'postgres', 'nats'] as const) {
    it(`builds the ${backend} backend; events and quarantine are separate logs`, async () => {
      const c = PipelineConfig.parse({ eventLog: configs()[backend] }).eventLog;
      const dir = mkdtempSync(join(tmpdir(), 'elog-rt-'));
      const events = await openEventLog(c, dir, 'events');
      const quarantine = await openEventLog(c, dir, 'quarantine');
      try {
        expect(events.constructor.name.toLowerCase()).toContain(backend);
        await events.append([rec(1)]);
        expect((await events.read('BTC#0')).map((r) => r.eventId)).toEqual([rec(1).eventId]);
        expect(await events.partitions()).toEqual(['BTC#0']);
        expect(await quarantine.partitions()).toEqual([]);
      } finally {
        await events.close();
        await quarantine.close();
      }
    });
  }

  it('the retention loop applies maxAgeMs on each interval of the clock', async () => {
    const c = PipelineConfig.parse({
      eventLog: {
        backend: 'postgres',
        postgres: { url: services().postgres.url, table: uniqueName('ret') },
        retention: { maxAgeMs: 15_000, intervalMs: 10_000 },
      },
    }).eventLog;
    const log = await openEventLog(c, '', 'events');
    const clock = new ManualClock();
    const t0 = clock.now() - 10_000;
    try {
      await log.append([...Array(10).keys()].map((i) => rec(i, t0)));
      const timer = startRetention(c, [log], clock, silentLogger);
      expect(timer).toBeDefined();
      expect(await log.startOffset('BTC#0')).toBe(0);
      clock.advance(10_000);
      // now = t0 + 20 s, cut at t0 + 5 s: the first record kept is offset 5.
      await vi.waitFor(async () => expect(await log.startOffset('BTC#0')).toBe(5), { timeout: 10_000 });
      timer?.cancel();
    } finally {
      await log.close();
    }
  });

  it('no retention loop without a limit', () => {
    const c = PipelineConfig.parse({}).eventLog;
    expect(c.retention).toEqual({ maxAgeMs: 0, maxBytes: 0, intervalMs: 60_000 });
    expect(startRetention(c, [], new ManualClock(), silentLogger)).toBeUndefined();
  });
});
