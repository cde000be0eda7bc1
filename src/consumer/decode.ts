/**
 * Turns one Kafka record into a Signal or a named reason why not. Validation uses the zod schema
 * that generates contracts/signal.v1.schema.json, read tolerantly as the contract's versioning
 * rules demand: unknown fields are dropped (not rejected), and a new `marketClass` or
 * `metadata.reconcileReason` value passes. A record under another schema-version header, or
 * whose key is not `${influencerId}|${market}` (its ordering guarantee would be void), is invalid.
 */
import { z } from 'zod';
import { formatIssues } from '../core/index.js';
import {
  SIGNAL_SCHEMA_VERSION,
  Signal,
  SignalMetadata,
  SignalQuality,
  signalKey,
} from '../positions/signal-contract.js';

/** The Signal as a consumer receives it: v1, minus the enum closures the contract lets grow. */
export const ReceivedSignal = Signal.extend({
  marketClass: z.string().min(1),
  quality: SignalQuality.strip(),
  metadata: SignalMetadata.extend({ reconcileReason: z.string().nullable() }).strip(),
}).strip();
export type ReceivedSignal = z.infer<typeof ReceivedSignal>;

export const INVALID_REASONS = ['empty', 'not-json', 'schema', 'schema-version', 'key-mismatch'] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

export type Decoded =
  | { readonly ok: true; readonly signal: ReceivedSignal }
  | { readonly ok: false; readonly reason: InvalidReason; readonly problems: readonly string[] };

export interface RawRecord {
  readonly key: Buffer | string | null | undefined;
  readonly value: Buffer | string | null | undefined;
  /** Header values as Kafka gives them (Buffer, string, arrays, undefined). */
  readonly headers?: Readonly<Record<string, unknown>> | undefined;
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return text(v[0]);
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export function decodeSignal(record: RawRecord): Decoded {
  const version = text(record.headers?.['schema-version']);
  if (version !== null && version !== String(SIGNAL_SCHEMA_VERSION))
    return {
      ok: false,
      reason: 'schema-version',
      problems: [`schema-version header is ${version}, this consumer reads ${SIGNAL_SCHEMA_VERSION}`],
    };
  const value = text(record.value);
  if (value === null || value.length === 0)
    return { ok: false, reason: 'empty', problems: ['message has no value'] };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (e) {
    return { ok: false, reason: 'not-json', problems: [`value is not JSON: ${(e as Error).message}`] };
  }
  const parsed = ReceivedSignal.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'schema', problems: formatIssues(parsed.error) };
  const key = text(record.key);
  const expected = signalKey(parsed.data.influencerId, parsed.data.market);
  if (key !== expected)
    return {
      ok: false,
      reason: 'key-mismatch',
      problems: [`key is ${JSON.stringify(key)}, the contract requires ${JSON.stringify(expected)}`],
    };
  return { ok: true, signal: parsed.data };
}
