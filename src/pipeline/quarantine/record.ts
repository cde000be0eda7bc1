/**
 * The quarantine record: the reason code, the flags, what we know about where it came from,
 * and the original raw bytes (base64), so an operator can see exactly what the source sent and
 * re-ingest it after a fix. Stored as JSON in its own log partitioned by reason, never in the
 * normalized stream.
 */
import type { QuarantineReason } from './reasons.js';

export interface QuarantineRecord {
  readonly reason: QuarantineReason;
  readonly detail: string;
  readonly qualityFlags: number;
  readonly connectorId: string;
  readonly connectorVersion: string;
  readonly receivedAtMs: number;
  readonly sourceUri?: string;
  /** Known when the draft got that far. */
  readonly nativeMarket?: string;
  readonly marketId?: string;
  readonly payloadType?: string;
  readonly eventId?: string;
  readonly eventTimeMs?: number;
  /** The raw record exactly as received, base64. */
  readonly rawBase64: string;
}

export function encodeQuarantine(r: QuarantineRecord): Uint8Array {
  return Buffer.from(JSON.stringify(r), 'utf8');
}

export function decodeQuarantine(bytes: Uint8Array): QuarantineRecord {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as QuarantineRecord;
}

export function rawBytesOf(r: QuarantineRecord): Buffer {
  return Buffer.from(r.rawBase64, 'base64');
}
