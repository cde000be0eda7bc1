/**
 * The hand-off conformance suite: the in-process adapter (role `all`) and the Kafka one (bronze
 * topic, roles `listeners` / `processor`) run the same cases, so the processor cannot tell them
 * apart. What both must do: deliver every published record, equal to what was published (exact
 * decimals included), in publish order per influencer, also records published before the source
 * started; flush() resolves once what was published is delivered or durable; publish() never
 * throws, not even after close(); close() may be called twice.
 */
import { describe, expect, it } from 'vitest';
import type { HandoffDelivery, HandoffRecord, HandoffSink, HandoffSource } from '../../src/handoff/index.js';
import { until } from '../kit/index.js';
import { numberOf, numbered } from './records.js';

export interface HandoffUnderTest {
  readonly sink: HandoffSink;
  readonly source: HandoffSource;
}

export interface HandoffHarness {
  readonly name: string;
  /** A fresh, connected pair (its own topic and group for Kafka); closed by the suite. */
  open(): Promise<HandoffUnderTest>;
  readonly timeoutMs?: number;
}

const INFLUENCERS = ['inf-a', 'inf-b', 'inf-c'];

/** Records 0..n-1 of every influencer, interleaved as several listeners would publish them. */
function burst(from: number, to: number): HandoffRecord[] {
  const out: HandoffRecord[] = [];
  for (let n = from; n < to; n++) for (const id of INFLUENCERS) out.push(numbered(id, n));
  return out;
}

export function handoffConformance(h: HandoffHarness): void {
  const timeout = h.timeoutMs ?? 20_000;

  async function withPair(body: (p: HandoffUnderTest) => Promise<void>): Promise<void> {
    const p = await h.open();
    try {
      await body(p);
    } finally {
      await p.source.close();
      await p.sink.close();
    }
  }

  describe(`${h.name}: hand-off conformance`, () => {
    it(
      'delivers every record as published, in order per influencer, also those published before the source started',
      async () => {
        await withPair(async ({ sink, source }) => {
          const early = burst(0, 15);
          for (const r of early) sink.publish(r);
          const got: HandoffRecord[] = [];
          const deliveries: HandoffDelivery[] = [];
          await source.start((d) => {
            deliveries.push(d);
            got.push(...d.records);
            d.ack();
          });
          const late = burst(15, 30);
          for (const r of late) sink.publish(r);
          await sink.flush();
          const all = [...early, ...late];
          await until(
            () => got.length >= all.length,
            timeout - 2000,
            () => `${got.length} of ${all.length} records`,
          );
          expect(got).toHaveLength(all.length);
          expect(deliveries.every((d) => d.records.length > 0)).toBe(true);
          for (const id of INFLUENCERS) {
            const mine = got.filter((r) => r.influencerId === id);
            expect(mine.map(numberOf), id).toEqual(Array.from({ length: 30 }, (_, n) => n));
            // Whole records, decimals exact: what the listener published is what the processor gets.
            expect(mine, id).toEqual(all.filter((r) => r.influencerId === id));
          }
        });
      },
      timeout,
    );

    it(
      'acks may repeat; publish after close neither throws nor delivers; close twice is fine',
      async () => {
        await withPair(async ({ sink, source }) => {
          const got: HandoffRecord[] = [];
          await source.start((d) => {
            got.push(...d.records);
            d.ack();
            d.ack();
          });
          sink.publish(numbered('inf-a', 0));
          await sink.flush();
          await until(() => got.length === 1, timeout - 2000, 'the first record');
          await source.close();
          await sink.close();
          expect(() => sink.publish(numbered('inf-a', 1))).not.toThrow();
          await sink.close();
          await source.close();
          expect(got.map(numberOf)).toEqual([0]);
        });
      },
      timeout,
    );
  });
}
