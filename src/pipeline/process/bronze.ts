/**
 * The bronze stage (254Carbon data stages): every raw record a connector pushed, kept as
 * received (connector id and version, received time, source uri and trace id, the degraded
 * state the connector reported, the raw bytes), so silver can be rebuilt from it by
 * reprocessing. One partition holds every connector in arrival order, because the validation
 * state (outlier statistics, cross-source divergence) is shared across connectors: replaying
 * the same order is what makes a rebuilt event byte-identical to the original.
 */
import { hash } from 'node:crypto';
import { z } from 'zod';
import { StateError } from '../../core/index.js';
import type { RawRecord } from '../connectors/index.js';
import type { AppendRequest } from '../eventlog/index.js';

export const BRONZE_PARTITION = 'raw';

export const BronzeRecord = z
  .object({
    v: z.literal(1),
    connectorId: z.string().min(1),
    connectorVersion: z.string().min(1),
    receivedAtMs: z.number().int().nonnegative(),
    degraded: z.boolean(),
    sourceUri: z.string().optional(),
    traceId: z.string().optional(),
    /** The raw bytes, base64. */
    raw: z.string(),
  })
  .strict();
export type BronzeRecord = z.infer<typeof BronzeRecord>;

export function bronzeRecordOf(
  raw: RawRecord,
  connectorId: string,
  connectorVersion: string,
  degraded: boolean,
): BronzeRecord {
  return {
    v: 1,
    connectorId,
    connectorVersion,
    receivedAtMs: raw.receivedAtMs,
    degraded,
    ...(raw.sourceUri !== undefined ? { sourceUri: raw.sourceUri } : {}),
    ...(raw.traceId !== undefined ? { traceId: raw.traceId } : {}),
    raw: Buffer.from(raw.bytes).toString('base64'),
  };
}

/** Keyed by content: the same record appended again (a replayed batch) is written once. */
export function bronzeRequest(r: BronzeRecord): AppendRequest {
  const bytes = Buffer.from(JSON.stringify(r), 'utf8');
  return {
    partition: BRONZE_PARTITION,
    eventId: hash('sha256', bytes, 'hex'),
    timestampMs: r.receivedAtMs,
    bytes,
  };
}

export function decodeBronze(bytes: Uint8Array): BronzeRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new StateError('SPOOL_CORRUPT', 'bronze record is not valid JSON', { cause });
  }
  const res = BronzeRecord.safeParse(parsed);
  if (!res.success) throw new StateError('SPOOL_CORRUPT', `bronze record is damaged: ${res.error.message}`);
  return res.data;
}

/** The RawRecord the connector pushed, back from its bronze record. */
export function rawOfBronze(r: BronzeRecord): RawRecord {
  return {
    bytes: Buffer.from(r.raw, 'base64'),
    receivedAtMs: r.receivedAtMs,
    ...(r.sourceUri !== undefined ? { sourceUri: r.sourceUri } : {}),
    ...(r.traceId !== undefined ? { traceId: r.traceId } : {}),
  };
}
