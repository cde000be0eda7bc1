// Where refused records go: a signal to the DLQ and the raw store as a sink_rejected dead letter,
// a raw event to the DLQ only, a dead letter the DLQ refuses to poison.ndjson; a DLQ that sheds
// makes the hand-off fail (so the refusing queue keeps the record and retries).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SinkError, silentLogger } from '../../src/core/index.js';
import type { DeadLetter, RawEvent } from '../../src/core/index.js';
import { poisonHandlers, sinkRejectedLetter } from '../../src/app/sink-poison.js';
import { DeadLetterRecorder, DurableQueue, PoisonLog } from '../../src/sinks/index.js';
import type { SinkRecord } from '../../src/sinks/index.js';
import { FakeSink } from '../sinks/fakes.js';
import { ManualClock, until } from '../kit/index.js';

let dir: string;
const closers: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sink-poison-'));
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await rm(dir, { recursive: true, force: true });
});

const refusal = new SinkError('SINK_RECORD_REJECTED', 'message 1 of 1 is about 2000000 bytes', {
  retriable: false,
});

const signal: SinkRecord = {
  id: 'sig-1',
  key: 'inf-1|BTC',
  value: JSON.stringify({ pad: 'x'.repeat(10_000) }),
  headers: { 'schema-version': '1' },
  createdAt: 1_700_000_000_123,
};

const rawEvent: RawEvent = {
  influencerId: 'inf-1',
  user: '0xu',
  market: 'BTC',
  eventType: 'fill',
  eventId: 'e-1',
  listenerId: 'inf-1/primary',
  eventTime: 1,
  ingestTime: 1_700_000_000_456,
  payload: '{}',
};

async function setup(dlqOverflow: 'block' | 'shed' = 'block') {
  const clock = new ManualClock();
  const dlqSink = new FakeSink<DeadLetter>();
  const rawSink = new FakeSink<RawEvent>();
  const dlq = await DurableQueue.open<DeadLetter>({
    name: 'dead-letters',
    deliver: dlqSink.deliver,
    clock,
    maxMemoryRecords: 1,
    overflow: dlqOverflow,
  });
  const raw = await DurableQueue.open<RawEvent>({ name: 'raw-events', deliver: rawSink.deliver, clock });
  const recorder = new DeadLetterRecorder({ dlq, raw, clock });
  const poisonLog = new PoisonLog({ path: join(dir, 'poison.ndjson'), fsync: false });
  const handlers = poisonHandlers({
    recorder: Promise.resolve(recorder),
    poisonLog,
    clock,
    logger: silentLogger,
  });
  closers.push(
    () => dlq.close(10),
    () => raw.close(10),
    () => poisonLog.close(),
  );
  return { clock, dlq, raw, dlqSink, rawSink, recorder, handlers, poisonLog };
}

describe('sink_rejected dead letters', () => {
  it('name the sink, the record and the error, and carry the record truncated', () => {
    const letter = sinkRejectedLetter({
      sink: 'signals',
      id: signal.id,
      key: signal.key,
      at: signal.createdAt,
      record: signal,
      error: refusal,
    });
    expect(letter).toMatchObject({
      reason: 'sink_rejected',
      listenerId: 'sink/signals',
      channel: null,
      receivedAt: signal.createdAt,
    });
    expect(letter.detail).toBe(
      'signals sink refused record sig-1 (key inf-1|BTC): message 1 of 1 is about 2000000 bytes',
    );
    expect(letter.payload.startsWith('{"id":"sig-1","key":"inf-1|BTC"')).toBe(true);
    expect(letter.payload).toMatch(/…\[truncated \d+ chars\]$/);
    expect(letter.payload.length).toBeLessThan(4200);
  });

  it('a refused signal goes to the DLQ and the raw store, and is counted', async () => {
    const s = await setup();
    await s.handlers.signals(signal, refusal);
    await s.dlq.flush(100);
    await s.raw.flush(100);
    expect(s.dlqSink.received.map((l) => [l.reason, l.listenerId])).toEqual([
      ['sink_rejected', 'sink/signals'],
    ]);
    expect(s.rawSink.received.map((e) => [e.eventType, (e as RawEvent & { reason: string }).reason])).toEqual(
      [['dead_letter', 'sink_rejected']],
    );
    expect(s.recorder.countsByReason().sink_rejected).toBe(1);
  });

  it('a refused raw event goes to the DLQ only, never back to the raw store', async () => {
    const s = await setup();
    await s.handlers.raw(rawEvent, refusal);
    await s.dlq.flush(100);
    await s.raw.flush(100);
    expect(s.dlqSink.received).toHaveLength(1);
    expect(s.dlqSink.received[0]?.detail).toContain(
      'raw-events sink refused record e-1 (key inf-1|BTC|fill)',
    );
    expect(s.rawSink.received).toEqual([]);
  });

  it('a dead letter the DLQ refuses is kept in poison.ndjson', async () => {
    const s = await setup();
    const letter = sinkRejectedLetter({
      sink: 'signals',
      id: 'x',
      key: 'k',
      at: 1,
      record: {},
      error: refusal,
    });
    await s.handlers.deadLetters(letter, refusal);
    await s.handlers.deadLetters({ ...letter, detail: 'second' }, new Error('plain'));
    const lines = (await readFile(s.poisonLog.path, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        sink: 'dead-letters',
        at: s.clock.now(),
        code: 'SINK_RECORD_REJECTED',
        error: refusal.message,
        record: letter,
      },
      {
        sink: 'dead-letters',
        at: s.clock.now(),
        code: null,
        error: 'plain',
        record: { ...letter, detail: 'second' },
      },
    ]);
  });

  it('fails the hand-off, uncounted, when the DLQ sheds the letter', async () => {
    const s = await setup('shed');
    // The DLQ's sink holds the first letter; memory (one record) takes the second; the third is shed.
    s.dlqSink.gate();
    await s.handlers.signals(signal, refusal);
    await until(() => s.dlqSink.calls.length === 1, 1000, 'the first letter sent');
    await s.handlers.signals({ ...signal, id: 'sig-2' }, refusal);
    await expect(s.handlers.signals({ ...signal, id: 'sig-3' }, refusal)).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retriable: true,
    });
    expect(s.recorder.countsByReason().sink_rejected).toBe(2);
    s.dlqSink.open();
  });
});
