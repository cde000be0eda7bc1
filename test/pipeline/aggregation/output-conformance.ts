/**
 * The AggregationOutput conformance suite: every adapter (the local file log, Kafka, ClickHouse
 * gold) runs the same cases. Each adapter's harness reads back what it durably holds as the
 * "latest view" a consumer of that output gets: per window key, the highest revision written
 * (file log and Kafka: every record, the consumer keeps the highest revision; ClickHouse:
 * ReplacingMergeTree(revision) under FINAL). The cases pin what every output must agree on:
 * the same vectors, byte for byte, the same bars for tick windows, revisions that only move
 * forward whatever order they arrive in, and re-writes that change nothing a reader sees.
 */
import { describe, expect, it } from 'vitest';
import { FEATURE_SCHEMA, decodeVector, goldenVectors } from '../../../src/pipeline/aggregation/index.js';
import type { AggregationOutput, FeatureVector } from '../../../src/pipeline/aggregation/index.js';

export interface ReadBar {
  readonly windowKey: string;
  readonly revision: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
}

/** A bar as each medium stores it (JSON on the topics and the file log, a row in ClickHouse). */
export function readBar(b: Record<string, unknown>): ReadBar {
  return {
    windowKey: String(b['window_key']),
    revision: Number(b['revision']),
    open: String(b['open']),
    high: String(b['high']),
    low: String(b['low']),
    close: String(b['close']),
    volume: String(b['volume']),
  };
}

export interface ReadBack {
  /** The canonical vector bytes (vector_hex) of each record, as stored. */
  readonly vectorHex: readonly string[];
  readonly bars: readonly ReadBar[];
}

export interface OutputUnderTest {
  readonly output: AggregationOutput;
  /** Everything the output holds, read through the output's own medium (not the adapter). */
  read(): Promise<ReadBack>;
  /** Frees what read() needs (a database, a temp dir); the output is closed by the suite. */
  dispose?(): Promise<void>;
}

export interface OutputHarness {
  readonly name: string;
  /** A fresh, empty output (its own topics, database or directory). */
  open(): Promise<OutputUnderTest>;
  readonly timeoutMs?: number;
}

/** Per window key, the record with the highest revision: what a consumer of the output keeps. */
function latest<T extends { windowKey: string; revision: number }>(xs: readonly T[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const x of xs) {
    const have = out.get(x.windowKey);
    if (!have || x.revision > have.revision) out.set(x.windowKey, x);
  }
  return out;
}

function latestVectors(back: ReadBack): Map<string, FeatureVector> {
  return latest(back.vectorHex.map((hex) => decodeVector(FEATURE_SCHEMA, Buffer.from(hex, 'hex'))));
}

const str = (v: bigint | number | string | boolean | undefined): string =>
  typeof v === 'bigint' ? v.toString() : String(v ?? 0);

/** A copy of `v` at another revision (the revision is outside features_hash). */
const atRevision = (v: FeatureVector, revision: number): FeatureVector => ({ ...v, revision });

export function aggregationOutputConformance(h: OutputHarness): void {
  const timeout = h.timeoutMs ?? 20_000;
  const vectors = goldenVectors();
  const expected = latest(vectors);

  async function withOutput(body: (o: OutputUnderTest) => Promise<void>): Promise<void> {
    const o = await h.open();
    try {
      await body(o);
    } finally {
      await o.output.close().catch(() => undefined);
      await o.dispose?.();
    }
  }

  describe(`${h.name}: AggregationOutput conformance`, () => {
    it(
      'every vector comes back byte for byte: its latest revision per window, decoding to what was written',
      async () => {
        expect(vectors.length).toBeGreaterThan(3);
        await withOutput(async (o) => {
          await o.output.write(vectors);
          const back = latestVectors(await o.read());
          expect([...back.keys()].sort()).toEqual([...expected.keys()].sort());
          for (const [key, v] of expected) expect(back.get(key), key).toEqual(v);
        });
      },
      timeout,
    );

    it(
      'tick windows also come back as bars whose OHLC and volume are the vector features; other kinds do not',
      async () => {
        const ticks = [...expected.values()].filter((v) => v.kind === 'tick');
        expect(ticks.length).toBeGreaterThan(0);
        expect(expected.size).toBeGreaterThan(ticks.length);
        await withOutput(async (o) => {
          await o.output.write(vectors);
          const bars = latest((await o.read()).bars);
          expect([...bars.keys()].sort()).toEqual(ticks.map((v) => v.windowKey).sort());
          for (const v of ticks) {
            const f = v.features;
            expect(bars.get(v.windowKey), v.windowKey).toEqual({
              windowKey: v.windowKey,
              revision: v.revision,
              open: str(f['open']),
              high: str(f['high']),
              low: str(f['low']),
              close: str(f['close']),
              volume: str(f['volume']),
            });
          }
        });
      },
      timeout,
    );

    it(
      'a later revision supersedes an earlier one, also when it was written first',
      async () => {
        const [a, b] = [...expected.values()];
        if (!a || !b) throw new Error('golden vectors: need two windows');
        await withOutput(async (o) => {
          // a: revisions in order; b: the later revision first, then an earlier one arriving late.
          await o.output.write([atRevision(a, 5), atRevision(b, 9)]);
          await o.output.write([atRevision(a, 6), atRevision(b, 7)]);
          const back = latestVectors(await o.read());
          expect(back.get(a.windowKey)?.revision).toBe(6);
          expect(back.get(b.windowKey)?.revision).toBe(9);
          expect(back.get(b.windowKey)?.featuresHash).toBe(b.featuresHash);
          expect(back.size).toBe(2);
        });
      },
      timeout,
    );

    it(
      'writing the same vectors again (a replay) changes nothing a reader sees; an empty write is a no-op',
      async () => {
        await withOutput(async (o) => {
          await o.output.write(vectors);
          const first = latestVectors(await o.read());
          expect(first.size).toBe(expected.size);
          await o.output.write(vectors);
          await o.output.write([]);
          const again = latestVectors(await o.read());
          expect(again).toEqual(first);
        });
      },
      timeout,
    );
  });
}
