/**
 * The fixture line format (`fixtures/events/*.jsonl`, one JSON object per line): a `kind`,
 * the native `market`, event `time` (ms), the recorded `receivedAt` (ms, defaults to `time`),
 * and the kind's fields with numbers as exact decimal strings, as Hyperliquid sends them.
 * Parsing is strict (unknown keys are errors) so a typo is quarantined, not guessed at.
 */
import { z } from 'zod';

const Dec = z.string().regex(/^-?\d+(?:\.\d+)?$/, 'expected a decimal string');
const Ms = z.number().int().nonnegative();
const base = { market: z.string().min(1), time: Ms, receivedAt: Ms.optional() };
const Level = z.tuple([Dec, Dec]).nullable();

export const FixtureLine = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('trade'),
      ...base,
      px: Dec,
      sz: Dec,
      side: z.enum(['B', 'A']),
      tid: z.number().int().nonnegative(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('candle'),
      ...base,
      intervalMs: z.number().int().positive(),
      t: Ms,
      T: Ms,
      o: Dec,
      h: Dec,
      l: Dec,
      c: Dec,
      v: Dec,
      n: z.number().int().nonnegative(),
      final: z.boolean().default(true),
    })
    .strict(),
  z.object({ kind: z.literal('bbo'), ...base, bid: Level, ask: Level }).strict(),
  z
    .object({
      kind: z.literal('assetCtx'),
      ...base,
      markPx: Dec,
      oraclePx: Dec,
      midPx: Dec.nullable().default(null),
      funding: Dec,
      premium: Dec.default('0'),
      openInterest: Dec,
      dayNtlVlm: Dec.default('0'),
      prevDayPx: Dec.default('0'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('fill'),
      ...base,
      user: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      px: Dec,
      sz: Dec,
      side: z.enum(['B', 'A']),
      tid: z.number().int().nonnegative(),
      oid: z.number().int().nonnegative().default(0),
      startPosition: Dec.nullable().default(null),
      fee: Dec.default('0'),
      closedPnl: Dec.default('0'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('signal'),
      ...base,
      signalId: z.string().regex(/^[0-9a-f]{64}$/),
      influencerId: z.string().min(1),
      action: z.enum(['OPEN', 'CLOSE', 'INCREASE', 'DECREASE', 'FLIP', 'RECONCILE']),
      side: z.enum(['FLAT', 'LONG', 'SHORT']),
      position: Dec,
      deltaSize: Dec,
      price: Dec.nullable(),
      fillCount: z.number().int().nonnegative(),
    })
    .strict(),
]);
export type FixtureLine = z.infer<typeof FixtureLine>;
export const FIXTURE_KINDS = ['trade', 'candle', 'bbo', 'assetCtx', 'fill', 'signal'] as const;
