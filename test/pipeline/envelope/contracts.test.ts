/**
 * The pipeline contract files are current, and event ids are stable: every golden vector's
 * payload bytes, id preimage, id, partition key and envelope bytes are recomputed from its
 * inputs and compared with the committed file (regenerate only with `npm run contracts`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeEnvelope,
  encodeEnvelope,
  encodePayload,
  eventIdOf,
  eventIdPreimage,
  NormalizedEventJson,
  partitionKeyOf,
  payloadFromJson,
  PIPELINE_CONTRACT_FILES,
  renderPipelineContracts,
} from '../../../src/pipeline/envelope/index.js';
import type { PayloadType } from '../../../src/pipeline/envelope/index.js';

const root = resolve(import.meta.dirname, '../../..');
const read = (f: string): string => readFileSync(resolve(root, f), 'utf8');

interface Vector {
  name: string;
  input: {
    sourceId: string;
    nativeId?: string;
    marketId: string;
    shards: number;
    eventTimeMs: number;
    payloadType: PayloadType;
    payload: Record<string, string | number | boolean>;
  };
  payload_hex: string;
  event_id_preimage_hex: string;
  event_id: string;
  partition_key: string;
  envelope_hex: string;
  envelope_json: unknown;
}

const vectors = (JSON.parse(read(PIPELINE_CONTRACT_FILES.vectors)) as { vectors: Vector[] }).vectors;

describe('pipeline contracts', () => {
  it.each(renderPipelineContracts().map(([f, text]) => [f, text] as const))(
    '%s is current (npm run contracts)',
    (file, text) => {
      expect(read(file)).toBe(text);
    },
  );

  it('has a vector for every payload type and both id forms', () => {
    expect(new Set(vectors.map((v) => v.input.payloadType)).size).toBe(9);
    expect(vectors.some((v) => v.input.nativeId === undefined)).toBe(true);
    expect(vectors.some((v) => v.input.nativeId !== undefined)).toBe(true);
    expect(vectors.some((v) => v.partition_key.includes('#'))).toBe(true);
  });

  describe.each(vectors.map((v) => [v.name, v] as const))('golden vector: %s', (_name, v) => {
    const payload = encodePayload(v.input.payloadType, payloadFromJson(v.input.payloadType, v.input.payload));

    it('payload bytes match the layout', () => {
      expect(Buffer.from(payload).toString('hex')).toBe(v.payload_hex);
    });

    it('event id preimage and id are stable', () => {
      const input = { ...v.input, payload };
      expect(eventIdPreimage(input).toString('hex')).toBe(v.event_id_preimage_hex);
      // Independently of eventIdOf: the id is plain sha256 over the committed preimage.
      expect(createHash('sha256').update(Buffer.from(v.event_id_preimage_hex, 'hex')).digest('hex')).toBe(
        v.event_id,
      );
      expect(eventIdOf(input)).toBe(v.event_id);
      expect(partitionKeyOf(v.input.marketId, v.event_id, v.input.shards)).toBe(v.partition_key);
    });

    it('the envelope decodes and re-encodes to the same bytes, and its JSON form fits the schema', () => {
      const bytes = Buffer.from(v.envelope_hex, 'hex');
      const e = decodeEnvelope(bytes);
      expect(e.eventId).toBe(v.event_id);
      expect(Buffer.from(encodeEnvelope(e)).toString('hex')).toBe(v.envelope_hex);
      expect(NormalizedEventJson.parse(v.envelope_json)).toEqual(v.envelope_json);
    });
  });
});
