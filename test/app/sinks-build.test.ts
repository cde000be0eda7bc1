// Which signal queue buildSinks gives a process: with Kafka, the queue and its producers on a
// thread of their own (sinks.kafka.sendThread, the default); on this thread when the setting is
// off, and in a process that derives no signals (role `listeners`), which would only hold a
// thread and a producer per partition open for nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSinks } from '../../src/app/sinks.js';
import type { SinkSet } from '../../src/app/sinks.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger, systemClock } from '../../src/core/index.js';
import { DurableQueue } from '../../src/sinks/index.js';
import { ThreadedQueue } from '../../src/sinks/threaded/index.js';

const built: SinkSet[] = [];
afterEach(async () => {
  await Promise.all(built.splice(0).map((s) => s.close(200)));
});

async function sinksWith(kafka: Record<string, unknown>, derivesSignals?: boolean): Promise<SinkSet> {
  const dir = mkdtempSync(join(tmpdir(), 'sinks-build-'));
  const config = parseServiceConfig({
    sinks: {
      // Nothing listens on port 9: nothing is sent in these tests, and a warm-up only logs.
      kafka: { brokers: ['127.0.0.1:9'], ...kafka },
      local: { dir: join(dir, 'out') },
      spool: { dir: join(dir, 'spool') },
    },
  });
  const sinks = await buildSinks({
    config,
    logger: silentLogger,
    clock: systemClock,
    ...(derivesSignals === undefined ? {} : { derivesSignals }),
  });
  built.push(sinks);
  return sinks;
}

describe('buildSinks: the signal queue', () => {
  it('runs on a thread of its own with Kafka, by default', async () => {
    const sinks = await sinksWith({});
    expect(sinks.signals).toBeInstanceOf(ThreadedQueue);
    // The raw-event and dead-letter queues stay on this thread.
    expect(sinks.raw).toBeInstanceOf(DurableQueue);
    expect(sinks.deadLetterQueue).toBeInstanceOf(DurableQueue);
    expect(sinks.probes.map((p) => p.name)).toEqual(['kafka', 'local-raw', 'kafka-dlq']);
    expect(sinks.describe).toMatch(/signals -> kafka 127\.0\.0\.1:9 topic influencer_signals \(own thread\)/);
  });

  it('runs on this thread with sendThread off', async () => {
    const sinks = await sinksWith({ sendThread: false });
    expect(sinks.signals).toBeInstanceOf(DurableQueue);
    expect(sinks.describe).toMatch(/topic influencer_signals;/);
  });

  it('runs on this thread in a process that derives no signals', async () => {
    const sinks = await sinksWith({}, false);
    expect(sinks.signals).toBeInstanceOf(DurableQueue);
  });
});
