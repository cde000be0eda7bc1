/**
 * The Signal contract (schema version 1): what consumers read from Kafka. The zod schema is
 * the single source; contracts/signal.v1.schema.json is generated from it (npm run contracts)
 * and contracts/SIGNALS.md documents it. Identity is deterministic (`signalIdOf`): the same
 * fills give the same id across restarts, instances and replays, so consumers dedupe on it.
 */
import { hash } from 'node:crypto';
import { z } from 'zod';
import { MARKET_CLASSES } from '../core/index.js';
import { POSITION_ACTIONS, POSITION_STATES } from './transitions.js';

export const SIGNAL_SCHEMA_VERSION = 1 as const;
/** Default Kafka topic (README); the sink may override it from config. */
export const SIGNAL_TOPIC = 'influencer_signals';
export const SIGNAL_CONTENT_TYPE = 'application/json';

/** Canonical decimal text as produced by decStr: no exponent, no trailing zeros, no "-0". */
const DecimalString = z
  .string()
  .regex(/^(?:0|-?[1-9]\d*(?:\.\d*[1-9])?|-?0\.\d*[1-9])$/, 'expected a canonical decimal string')
  .describe('Exact decimal as text (no exponent, no trailing zeros).');

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits');

export const SignalAction = z.enum(POSITION_ACTIONS);
export type SignalAction = z.infer<typeof SignalAction>;
export const SignalSide = z.enum(POSITION_STATES);
export type SignalSide = z.infer<typeof SignalSide>;

export const SIGNAL_MODES = ['block', 'order'] as const;
export const SignalMode = z.enum(SIGNAL_MODES);
export type SignalMode = z.infer<typeof SignalMode>;

export const RECONCILE_REASONS = [
  'backfill-truncated',
  'backfill-unchained',
  'backfill-failed',
  'no-backfill',
  'market-stream',
  'periodic',
  'resume-verify',
  'resume-truncated',
  'start-position',
] as const;
export const ReconcileReason = z.enum(RECONCILE_REASONS);
export type ReconcileReason = z.infer<typeof ReconcileReason>;

export const SignalQuality = z
  .object({
    backfilled: z.boolean().describe('At least one fill came from a REST backfill (gap repair or resume).'),
    reconciled: z
      .boolean()
      .describe('A RECONCILE jump to an authoritative position, not a fill-derived move.'),
    degradedListener: z.boolean().describe('The influencer had a degraded listener when this was derived.'),
    snapshot: z.boolean().describe('At least one fill came from a subscription snapshot replay.'),
    replayed: z.boolean().describe('Re-derived offline by `ingest replay`, not live.'),
  })
  .strict();
export type SignalQuality = z.infer<typeof SignalQuality>;

export const SignalLiquidation = z
  .object({
    liquidatedUser: z.string().nullable(),
    markPx: z.string(),
    method: z.string(),
  })
  .strict();

export const SignalMetadata = z
  .object({
    user: z.string().describe('The tracked account address (lower-case 0x + 40 hex).'),
    mode: SignalMode.describe('block: one signal per (market, block); order: per (order, block).'),
    oid: z.number().int().nullable().describe('Order id in order mode; null in block mode.'),
    fillCount: z.number().int().nonnegative(),
    selfTradeFillCount: z
      .number()
      .int()
      .nonnegative()
      .describe('Fills that were one side of a self-trade (net zero, excluded from price).'),
    volume: DecimalString.describe('Sum of the absolute sizes of the non-self-trade fills.'),
    liquidation: SignalLiquidation.nullable().describe('Set when the tracked account itself was liquidated.'),
    counterpartyLiquidation: z
      .boolean()
      .describe('A fill had a liquidation marker naming another account: NOT our liquidation.'),
    adl: z.boolean().describe('Auto-Deleveraging fill(s).'),
    settlement: z.boolean(),
    spotDustConversion: z.boolean(),
    netChildVaults: z.boolean(),
    twapIds: z.array(z.number().int()).describe('Distinct TWAP ids of the fills, ascending.'),
    dirs: z.array(z.string()).describe('Distinct wire `dir` labels of the fills, sorted.'),
    dirMismatch: z.boolean().describe('A fill `dir` disagreed with the derived action (dir never decides).'),
    reconcileReason: ReconcileReason.nullable(),
  })
  .strict();
export type SignalMetadata = z.infer<typeof SignalMetadata>;

export const Signal = z
  .object({
    schemaVersion: z.literal(SIGNAL_SCHEMA_VERSION),
    signalId: Hex64.describe('Deterministic id: sha256 of influencerId|market|timestamp|mode|sorted ids.'),
    influencerId: z.string().min(1),
    exchange: z.literal('hyperliquid'),
    market: z.string().min(1).describe('Hyperliquid coin: BTC, xyz:TSLA, @107, PURR/USDC, #123.'),
    marketClass: z.enum(MARKET_CLASSES),
    action: SignalAction,
    side: SignalSide.describe('Side of the resulting position.'),
    size: DecimalString.describe('Absolute size of the resulting position.'),
    position: DecimalString.describe('Signed resulting position (negative = short).'),
    deltaSize: DecimalString.describe('Signed net change: position - previousPosition.'),
    price: DecimalString.nullable().describe('Volume-weighted average fill price; null for RECONCILE.'),
    previousSide: SignalSide,
    previousSize: DecimalString,
    previousPosition: DecimalString,
    timestamp: z.number().int().nonnegative().describe('Block time (ms) of the fills, or the as-of time.'),
    emittedAt: z.number().int().nonnegative().describe('When the service derived this signal (ms).'),
    sourceEventIds: z.array(Hex64).describe('Event ids of every fill behind this signal, sorted.'),
    quality: SignalQuality,
    firstListener: z.string().nullable().describe('Listener id that delivered the first fill.'),
    metadata: SignalMetadata,
  })
  .strict()
  .describe('A position change of one followed trader in one market.');
export type Signal = z.infer<typeof Signal>;

/** The Kafka message key: `${influencerId}|${market}` keeps each (influencer, market) ordered. */
export function signalKey(influencerId: string, market: string): string {
  return `${influencerId}|${market}`;
}

export interface SignalIdInput {
  readonly influencerId: string;
  readonly market: string;
  readonly timestamp: number;
  /** `block`, `order:<oid>`, or `reconcile:<reason>:<from>><to>`. */
  readonly discriminator: string;
  readonly sourceEventIds: readonly string[];
}

export function signalIdOf(i: SignalIdInput): string {
  const ids = [...i.sourceEventIds].sort().join(',');
  // One-shot hash: no Hash object per signal (the position engine bench's hot path).
  return hash('sha256', `${i.influencerId}|${i.market}|${i.timestamp}|${i.discriminator}|${ids}`, 'hex');
}

/** Kafka headers for a signal (strings; the sink encodes them). */
export function signalHeaders(traceId?: string): Record<string, string> {
  const h: Record<string, string> = {
    'schema-version': String(SIGNAL_SCHEMA_VERSION),
    'content-type': SIGNAL_CONTENT_TYPE,
  };
  if (traceId !== undefined) h['trace-id'] = traceId;
  return h;
}
