/**
 * The aggregation contract files are current (npm run contracts), and window keys and feature
 * hashes are stable: each golden key is recomputed as plain sha256 over its committed preimage,
 * the preimage is rebuilt by hand from its fields, and each golden vector's bytes decode back
 * to the committed JSON and re-hash to the committed features_hash.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGGREGATION_CONTRACT_FILES,
  checkSchema,
  decodeVector,
  FEATURE_SCHEMA,
  renderAggregationContracts,
  vectorToJson,
} from '../../../src/pipeline/aggregation/index.js';

const root = resolve(import.meta.dirname, '../../..');
const read = (f: string): string => readFileSync(resolve(root, f), 'utf8');
const sha = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

interface KeyCase {
  epochId: number;
  tickIndex: number;
  startMs: number;
  endMs: number;
  window_key_preimage_hex: string;
  window_key: string;
}
interface WindowCase {
  name: string;
  event_time_ms: number;
  tick: KeyCase;
  epoch: KeyCase;
  rolling: KeyCase;
}
const windows = JSON.parse(read(AGGREGATION_CONTRACT_FILES.windows)) as {
  market_id: string;
  feature_schema_version: number;
  vectors: WindowCase[];
};
const fv = JSON.parse(read(AGGREGATION_CONTRACT_FILES.vectors)) as {
  vectors: { vector: unknown; feature_bytes_hex: string; features_hash: string; vector_hex: string }[];
};

/** The preimage written independently of the code: u32 BE length + bytes per field, numbers i64 BE. */
function preimageByHand(market: string, k: KeyCase, version: number): string {
  const frame = (b: Buffer): string => b.length.toString(16).padStart(8, '0') + b.toString('hex');
  const i64 = (n: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(n));
    return b;
  };
  return [Buffer.from(market), i64(k.epochId), i64(k.tickIndex), i64(k.startMs), i64(k.endMs), i64(version)]
    .map(frame)
    .join('');
}

describe('aggregation contracts', () => {
  it.each(renderAggregationContracts().map(([f, text]) => [f, text] as const))(
    '%s is current (npm run contracts)',
    (file, text) => {
      expect(read(file)).toBe(text);
    },
  );

  it('the feature schema is well formed', () => {
    expect(checkSchema(FEATURE_SCHEMA)).toEqual([]);
  });

  it('covers boundaries: first/last ms of an epoch, exactly on a tick boundary, before origin', () => {
    const by = new Map(windows.vectors.map((v) => [v.event_time_ms, v]));
    expect(by.get(1_000)?.tick).toMatchObject({ epochId: 0, tickIndex: 0, startMs: 1_000, endMs: 6_000 });
    expect(by.get(5_999)?.tick).toMatchObject({ tickIndex: 0 });
    expect(by.get(6_000)?.tick).toMatchObject({ epochId: 0, tickIndex: 1, startMs: 6_000 });
    expect(by.get(60_999)?.tick).toMatchObject({ epochId: 0, tickIndex: 11, endMs: 61_000 });
    expect(by.get(61_000)?.tick).toMatchObject({ epochId: 1, tickIndex: 0, startMs: 61_000 });
    expect(by.get(999)?.tick).toMatchObject({ epochId: -1, tickIndex: 11, endMs: 1_000 });
  });

  describe.each(windows.vectors.map((v) => [v.name, v] as const))('window keys: %s', (_n, v) => {
    it.each(['tick', 'epoch', 'rolling'] as const)('%s key = sha256(hand-built preimage)', (kind) => {
      const k = v[kind];
      expect(k.window_key_preimage_hex).toBe(
        preimageByHand(windows.market_id, k, windows.feature_schema_version),
      );
      expect(sha(k.window_key_preimage_hex)).toBe(k.window_key);
    });
  });

  it('golden feature vectors decode to their JSON and hash their feature bytes', () => {
    expect(fv.vectors.length).toBeGreaterThanOrEqual(5);
    for (const g of fv.vectors) {
      expect(sha(g.feature_bytes_hex)).toBe(g.features_hash);
      const v = decodeVector(FEATURE_SCHEMA, Buffer.from(g.vector_hex, 'hex'));
      expect(vectorToJson(v)).toEqual(g.vector);
    }
    const kinds = fv.vectors.map((g) => (g.vector as { kind: string; revision: number }).kind);
    expect(kinds).toEqual(['tick', 'rolling', 'tick', 'rolling', 'epoch']);
  });

  it('a corrupted vector is refused with a reason', () => {
    const g = fv.vectors[0];
    if (g === undefined) throw new Error('no golden vector');
    const bytes = Buffer.from(g.vector_hex, 'hex');
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] ?? 0) ^ 1; // inside the feature bytes
    expect(() => decodeVector(FEATURE_SCHEMA, bytes)).toThrow(/features_hash does not match|feature/);
  });
});
