/**
 * Issue 12 item 6, end to end through the wiring: a flood of dead letters and signals into
 * queues that shed (no spool, room for 2) is counted in `ingest_records_shed_total` record for
 * record, by sink, by reason (the dead letter's reason, `signal` for signals) and by what the
 * spool did, so every record the queues shed shows up in the scrape and nothing else does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetter, DeadLetterReason, RawEvent } from '../../src/core/index.js';
import type { SinkRecord } from '../../src/sinks/index.js';
import { wireSinkMetrics } from '../../src/app/metrics-wiring.js';
import { METRIC_NAMES as N, Metrics } from '../../src/obs/index.js';
import { DeadLetterRecorder, DurableQueue } from '../../src/sinks/index.js';
import { FakeSink, FAST_POLICY } from '../sinks/fakes.js';
import { ManualClock } from '../kit/index.js';
import { find, parseExposition, value } from '../obs/prom-text.js';

const clock = new ManualClock();
const sinks: FakeSink<unknown>[] = [];
const closers: ((timeoutMs: number) => Promise<unknown>)[] = [];

async function sheddingQueue<T>(name: string): Promise<DurableQueue<T>> {
  const sink = new FakeSink<T>();
  sink.gate(); // nothing is delivered: the flood must shed
  sinks.push(sink as FakeSink<unknown>);
  const q = await DurableQueue.open<T>({
    name,
    deliver: sink.deliver,
    spoolDir: null,
    retryPolicy: FAST_POLICY,
    clock,
    maxBatchRecords: 1,
    maxMemoryRecords: 2,
    overflow: 'shed',
  });
  closers.push((ms) => q.close(ms));
  return q;
}

afterEach(async () => {
  for (const s of sinks.splice(0)) s.open();
  await Promise.all(closers.splice(0).map((close) => close(100)));
});

const letter = (reason: DeadLetterReason, i: number): DeadLetter => ({
  reason,
  detail: `hostile ${i}`,
  listenerId: 'inf-1/primary',
  channel: 'userFills',
  receivedAt: 1_000 + i,
  payload: '{}',
});

describe('shed records in the metrics', () => {
  it('counts every record the sink queues shed, by sink, reason and spool state', async () => {
    const signals = await sheddingQueue<SinkRecord>('signals');
    const raw = await sheddingQueue<RawEvent>('raw-events');
    const dlq = await sheddingQueue<DeadLetter>('dead-letters');
    const deadLetters = new DeadLetterRecorder({ dlq, raw, clock });
    const metrics = new Metrics({ collectDefaultMetrics: false });
    wireSinkMetrics(metrics, { signals, raw, deadLetterQueue: dlq, deadLetters });

    const shedBy = new Map<string, number>();
    for (const [sink, q] of [
      ['signals', signals],
      ['raw-events', raw],
      ['dead-letters', dlq],
    ] as const)
      (q as DurableQueue<unknown>).events.on('shed', (e) => {
        const reason = (e.record as { reason?: string }).reason ?? 'signal';
        const k = `${sink}|${reason}|${e.spool}`;
        shedBy.set(k, (shedBy.get(k) ?? 0) + 1);
      });

    for (let i = 0; i < 40; i++)
      await deadLetters.record(letter(i % 2 === 0 ? 'future_time' : 'bad_coin', i));
    for (let i = 0; i < 15; i++)
      await signals.enqueue({ id: `s${i}`, key: 'inf-1|BTC', value: '{}', headers: {}, createdAt: i });

    // The flood did shed, on each queue and for each reason.
    expect(signals.stats().shed).toBeGreaterThan(0);
    expect(dlq.stats().shed).toBeGreaterThan(0);
    expect(raw.stats().shed).toBeGreaterThan(0);
    // Offered = kept + shed: nothing vanished without being counted.
    expect(signals.stats().shed + signals.stats().depth).toBe(15);
    expect(dlq.stats().shed + dlq.stats().depth).toBe(40);

    const exp = parseExposition((await metrics.scrape()).body);
    const series = find(exp, N.recordsShed);
    const scraped = new Map(
      series.map((s) => [`${s.labels['sink']}|${s.labels['reason']}|${s.labels['spool']}`, s.value]),
    );
    expect(scraped).toEqual(shedBy);
    expect(
      value(exp, N.recordsShed, { sink: 'dead-letters', reason: 'future_time', spool: 'none' }),
    ).toBeGreaterThan(0);
    expect(
      value(exp, N.recordsShed, { sink: 'dead-letters', reason: 'bad_coin', spool: 'none' }),
    ).toBeGreaterThan(0);
    expect(
      value(exp, N.recordsShed, { sink: 'raw-events', reason: 'future_time', spool: 'none' }),
    ).toBeGreaterThan(0);
    expect(value(exp, N.recordsShed, { sink: 'signals', reason: 'signal', spool: 'none' })).toBe(
      signals.stats().shed,
    );
  });
});
