/**
 * NormalizedEvent v1 (M0 §4): the envelope every connector's output is turned into. Field
 * names are camelCase in TypeScript and snake_case in the JSON debug form and the published
 * JSON Schema (contracts/pipeline/normalized-event.v1.schema.json, generated from the zod
 * schema below by `npm run contracts`). The binary form (envelope-codec.ts) is canonical.
 */
import { z } from 'zod';
import type { PayloadType } from './layouts.js';
import { PAYLOAD_TYPES } from './layouts.js';
import { QUALITY_FLAGS_MASK } from './flags.js';

export const ENVELOPE_SCHEMA_VERSION = 1 as const;
export const ENVELOPE_SCHEMA_FILE = 'contracts/pipeline/normalized-event.v1.schema.json';
/** Confidence is basis points of certainty: 10000 = certain. */
export const CONFIDENCE_MAX = 10_000;

export interface NormalizedEvent {
  readonly schemaVersion: typeof ENVELOPE_SCHEMA_VERSION;
  /** sha256, 64 lower-case hex (32 bytes on the wire); see eventIdOf. */
  readonly eventId: string;
  readonly sourceId: string;
  readonly sourceVersion: string;
  readonly connectorId: string;
  readonly connectorVersion: string;
  readonly marketId: string;
  readonly domain: string;
  readonly eventTimeMs: number;
  readonly ingestTimeMs: number;
  readonly payloadType: PayloadType;
  /** Canonical payload bytes in the payload type's layout. */
  readonly payload: Uint8Array;
  /** OR of QUALITY_FLAGS. */
  readonly qualityFlags: number;
  /** market_id, or market_id#n for a sharded hot market. */
  readonly partitionKey: string;
  /** 32 lower-case hex (16 bytes on the wire). */
  readonly traceId: string;
  readonly sourceSeq?: bigint | undefined;
  readonly sourceUri?: string | undefined;
  /** 0..10000. */
  readonly confidence?: number | undefined;
}

const Hex = (n: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), `expected ${n} lower-case hex digits`);
const Name = z.string().min(1).max(200);

/** The JSON debug form (snake_case, payload decoded to decimal text), also the JSON Schema source. */
export const NormalizedEventJson = z
  .object({
    schema_version: z.literal(ENVELOPE_SCHEMA_VERSION).describe('Envelope schema version (u16).'),
    event_id: Hex(64).describe('sha256 id: see contracts/pipeline/README.md for the framing.'),
    source_id: Name,
    source_version: Name,
    connector_id: Name,
    connector_version: Name.describe('Semver of the connector that produced the event.'),
    market_id: Name.describe('Canonical market id from the connector mapping table.'),
    domain: Name,
    event_time_ms: z.number().int().nonnegative().describe('Source event time, ms since epoch (u64).'),
    ingest_time_ms: z.number().int().nonnegative().describe('When the pipeline received it (u64).'),
    payload_type: z.enum(PAYLOAD_TYPES as [PayloadType, ...PayloadType[]]),
    payload_hex: z
      .string()
      .regex(/^(?:[0-9a-f]{2})*$/)
      .describe('Canonical payload bytes.'),
    payload: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .describe('The payload decoded (fixed-point as decimal text); informative, payload_hex is canonical.'),
    quality_flags: z.number().int().min(0).max(QUALITY_FLAGS_MASK).describe('OR of the quality flag bits.'),
    partition_key: Name.describe('market_id, or market_id#n for a sharded hot market.'),
    trace_id: Hex(32),
    source_seq: z.string().regex(/^\d+$/).optional().describe('Source sequence number (u64, as text).'),
    source_uri: z.string().optional(),
    confidence: z.number().int().min(0).max(CONFIDENCE_MAX).optional(),
  })
  .strict();
export type NormalizedEventJson = z.infer<typeof NormalizedEventJson>;

/** The published JSON Schema text (committed; a unit test keeps it current). */
export function envelopeJsonSchemaText(): string {
  const schema = z.toJSONSchema(NormalizedEventJson, { target: 'draft-2020-12' });
  return `${JSON.stringify({ $id: 'normalized-event.v1', title: 'NormalizedEvent v1', ...schema }, null, 2)}\n`;
}
