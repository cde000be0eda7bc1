import { mkdtemp, readFile, appendFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetter, RawEvent } from '../../src/core/index.js';
import {
  DeadLetterRecorder,
  DurableQueue,
  LocalDeadLetterLog,
  LocalRawEventStore,
  LocalSignalLog,
  formatSignalLine,
} from '../../src/sinks/index.js';
import type { SinkRecord } from '../../src/sinks/index.js';
import { ManualClock } from '../kit/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-sinks-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (path: string): Promise<unknown[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);

const sig: SinkRecord = {
  id: 's1',
  key: 'inf-1|BTC',
  value: '{"type":"OPEN","side":"long","size":"0.5","price":"65000","nested":{"a":1}}',
  headers: { 'schema-version': '1' },
  createdAt: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
};

const ev = (over: Partial<RawEvent>): RawEvent => ({
  influencerId: 'inf-1',
  user: '0xu',
  market: 'BTC',
  eventType: 'fill',
  eventId: 'e',
  listenerId: 'inf-1/primary',
  eventTime: 100,
  ingestTime: 1,
  payload: '{}',
  ...over,
});

const letter: DeadLetter = {
  reason: 'invalid_json',
  detail: 'Unexpected token',
  listenerId: 'inf-1/primary',
  channel: null,
  receivedAt: 42,
  payload: '{oops',
};

describe('local sinks', () => {
  it('appends signals as NDJSON with the value embedded as JSON', async () => {
    const log = new LocalSignalLog({ path: join(dir, 'nested', 'signals.ndjson') });
    expect(await log.ping()).toBe(true);
    await log.publish([sig]);
    await log.publish([{ ...sig, id: 's2', value: 'not json' }]);
    await log.close();
    expect(await lines(join(dir, 'nested', 'signals.ndjson'))).toEqual([
      {
        id: 's1',
        key: 'inf-1|BTC',
        createdAt: sig.createdAt,
        headers: sig.headers,
        value: JSON.parse(sig.value),
      },
      { id: 's2', key: 'inf-1|BTC', createdAt: sig.createdAt, headers: sig.headers, value: 'not json' },
    ]);
    await expect(log.publish([sig])).rejects.toThrow(/closed/);
  });

  it('formats a signal as one readable line', () => {
    expect(formatSignalLine(sig)).toBe('03:04:05.006 inf-1|BTC type=OPEN side=long size=0.5 price=65000');
    expect(formatSignalLine({ ...sig, value: 'x' })).toBe('03:04:05.006 inf-1|BTC x');
  });

  it('replays raw events deduplicated, filtered and in event_time order, skipping a torn line', async () => {
    const path = join(dir, 'raw.ndjson');
    const store = new LocalRawEventStore({ path, fsync: false });
    await store.insert([
      ev({ eventId: 'b', eventTime: 300 }),
      ev({ eventId: 'a', eventTime: 200 }),
      ev({ eventId: 'c', eventTime: 500 }),
      ev({ eventId: 'x', market: 'ETH', eventTime: 250 }),
      ev({ eventId: 'y', influencerId: 'inf-2', eventTime: 250 }),
      ev({ eventId: 'dl', eventType: 'dead_letter', eventTime: 260 }),
    ]);
    await store.insert([ev({ eventId: 'a', eventTime: 200, listenerId: 'inf-1/secondary', ingestTime: 9 })]);
    await appendFile(path, '{"influencerId":"inf-1","eventId":"torn');
    const collect = async (q: Parameters<LocalRawEventStore['replay']>[0]): Promise<RawEvent[]> => {
      const out: RawEvent[] = [];
      for await (const e of store.replay(q)) out.push(e);
      return out;
    };
    const btc = await collect({ influencerId: 'inf-1', market: 'BTC', fromMs: 200, toMs: 500 });
    expect(btc.map((e) => e.eventId)).toEqual(['a', 'b']);
    // The secondary's copy came later (ingestTime 9 > 1): the first arrival (primary) stays.
    expect(btc[0]?.listenerId).toBe('inf-1/primary');
    expect((await collect({ influencerId: 'inf-1' })).map((e) => e.eventId)).toEqual(['a', 'x', 'b', 'c']);
    expect(
      (await collect({ influencerId: 'inf-1', eventTypes: ['dead_letter'] })).map((e) => e.eventId),
    ).toEqual(['dl']);
    expect(await collect({ influencerId: 'nobody' })).toEqual([]);
    await store.close();
    const empty = new LocalRawEventStore({ path: join(dir, 'none.ndjson') });
    for await (const _ of empty.replay({ influencerId: 'inf-1' })) throw new Error('should be empty');
  });
});

describe('DeadLetterRecorder', () => {
  it('writes each dead letter to the DLQ and the raw store and counts it by reason', async () => {
    const clock = new ManualClock();
    const dlqLog = new LocalDeadLetterLog({ path: join(dir, 'dlq.ndjson') });
    const raw = new LocalRawEventStore({ path: join(dir, 'raw.ndjson') });
    const dlq = await DurableQueue.open<DeadLetter>({
      name: 'dlq',
      deliver: (b) => dlqLog.publish(b),
      clock,
    });
    const rawQ = await DurableQueue.open<RawEvent>({ name: 'raw', deliver: (b) => raw.insert(b), clock });
    const recorder = new DeadLetterRecorder({ dlq, raw: rawQ, clock });
    const seen: string[] = [];
    recorder.events.on('deadLetter', (e) => seen.push(e.reason));
    await recorder.record(letter);
    await recorder.record({ ...letter, reason: 'schema_mismatch', receivedAt: 43 });
    await recorder.record(letter);
    await dlq.flush(1000);
    await rawQ.flush(1000);
    expect(seen).toEqual(['invalid_json', 'schema_mismatch', 'invalid_json']);
    expect(recorder.countsByReason()).toMatchObject({ invalid_json: 2, schema_mismatch: 1, bad_decimal: 0 });
    expect((await lines(join(dir, 'dlq.ndjson')))[0]).toEqual({
      reason: 'invalid_json',
      detail: 'Unexpected token',
      listener: 'inf-1/primary',
      channel: null,
      receivedAt: 42,
      payload: '{oops',
    });
    const stored: RawEvent[] = [];
    for await (const e of raw.replay({ influencerId: '', eventTypes: ['dead_letter'] })) stored.push(e);
    expect(stored).toHaveLength(2); // the repeated letter has the same id: deduplicated
    // A closed queue never makes record() throw: the letter is reported lost instead.
    const lost: string[] = [];
    recorder.events.on('lost', (e) => lost.push(e.target));
    const closing = [dlq.close(10), rawQ.close(10)];
    clock.advance(10);
    await Promise.all(closing);
    await recorder.record(letter);
    expect(lost.sort()).toEqual(['dlq', 'raw']);
    await dlqLog.close();
    await raw.close();
  });
});
