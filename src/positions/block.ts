/**
 * Turning one chain-ordered block of fills into signals. Block mode nets the whole block:
 * the action comes from the position before its first fill and after its last (so
 * open-then-close in one block emits nothing, close-then-reopen on the other side is a FLIP,
 * and a self-trade pair nets to zero). Order mode emits one signal per (oid, block), running
 * the position through the orders in chain order. Pure: no clock, no I/O.
 */
import { Decimal, ZERO, decStr, marketClass } from '../core/index.js';
import type { FillEvent } from '../core/index.js';
import type { ChainStep } from './chain.js';
import { checkDir, isCounterpartyLiquidation, isOwnLiquidation, signedSize } from './fill-traits.js';
import type { DirCheck } from './fill-traits.js';
import { SIGNAL_SCHEMA_VERSION, signalIdOf } from './signal.js';
import type { ReconcileReason, Signal, SignalMode } from './signal.js';
import { deriveAction, stateOf, transition } from './transitions.js';
import type { TransitionEvent } from './transitions.js';

/** VWAP is rounded to this many decimals (half-even) so repeating quotients stay readable. */
export const PRICE_DECIMALS = 12;

export interface BlockContext {
  readonly influencerId: string;
  readonly user: string;
  readonly market: string;
  readonly mode: SignalMode;
  readonly emittedAt: number;
  readonly degradedListener: boolean;
  readonly onTransition?: (e: TransitionEvent) => void;
}

export interface DirFinding {
  readonly fill: FillEvent;
  readonly check: Exclude<DirCheck, { kind: 'ok' } | { kind: 'skipped' }>;
}

export interface BlockOutcome {
  readonly signals: Signal[];
  readonly after: Decimal;
  readonly selfTradePairs: number;
  readonly netZero: boolean;
  readonly dirFindings: DirFinding[];
}

function sortedUnique<T>(xs: Iterable<T>, cmp?: (a: T, b: T) => number): T[] {
  return [...new Set(xs)].sort(cmp);
}

/** The priced fills' volume, and their VWAP (null without volume). One pass: both go in the signal. */
function vwap(fills: readonly FillEvent[]): { price: Decimal | null; volume: Decimal } {
  if (fills.length === 0) return { price: null, volume: ZERO };
  let notional = ZERO;
  let volume = ZERO;
  for (const f of fills) {
    notional = notional.plus(f.px.times(f.sz));
    volume = volume.plus(f.sz);
  }
  if (volume.isZero()) return { price: null, volume };
  return { price: notional.div(volume).toDecimalPlaces(PRICE_DECIMALS, Decimal.ROUND_HALF_EVEN), volume };
}

/** decStr(d.abs()) from decStr(d): the same text without a second Decimal and toFixed. */
function absStr(s: string): string {
  return s.charCodeAt(0) === 45 /* - */ ? s.slice(1) : s;
}

interface SignalParts {
  readonly action: Signal['action'];
  readonly before: Decimal;
  readonly after: Decimal;
  readonly fills: readonly FillEvent[];
  readonly priced: readonly FillEvent[];
  readonly timestamp: number;
  readonly discriminator: string;
  readonly oid: number | null;
  readonly selfTradeFillCount: number;
  readonly dirMismatch: boolean;
  readonly reconcileReason: ReconcileReason | null;
}

export function makeSignal(ctx: BlockContext, p: SignalParts): Signal {
  const ids = sortedUnique(p.fills.map((f) => f.eventId));
  // The earliest receipt (the first such fill on a tie, as a stable sort would give).
  let first: FillEvent | undefined;
  for (const f of p.fills)
    if (first === undefined || f.source.receivedAt < first.source.receivedAt) first = f;
  const own = p.fills.find(isOwnLiquidation);
  const priced = vwap(p.priced);
  const price = p.action === 'RECONCILE' ? null : priced.price;
  const position = decStr(p.after);
  const previousPosition = decStr(p.before);
  return {
    schemaVersion: SIGNAL_SCHEMA_VERSION,
    signalId: signalIdOf({
      influencerId: ctx.influencerId,
      market: ctx.market,
      timestamp: p.timestamp,
      discriminator: p.discriminator,
      sourceEventIds: ids,
    }),
    influencerId: ctx.influencerId,
    exchange: 'hyperliquid',
    market: ctx.market,
    marketClass: marketClass(ctx.market),
    action: p.action,
    side: stateOf(p.after),
    size: absStr(position),
    position,
    deltaSize: decStr(p.after.minus(p.before)),
    price: price === null ? null : decStr(price),
    previousSide: stateOf(p.before),
    previousSize: absStr(previousPosition),
    previousPosition,
    timestamp: p.timestamp,
    emittedAt: ctx.emittedAt,
    sourceEventIds: ids,
    quality: {
      backfilled: p.fills.some((f) => f.source.delivery === 'backfill'),
      reconciled: p.action === 'RECONCILE',
      degradedListener: ctx.degradedListener,
      snapshot: p.fills.some((f) => f.source.delivery === 'snapshot'),
      replayed: p.fills.some((f) => f.source.delivery === 'replay'),
    },
    firstListener: first?.source.listenerId ?? null,
    metadata: {
      user: ctx.user,
      mode: ctx.mode,
      oid: p.oid,
      fillCount: p.fills.length,
      selfTradeFillCount: p.selfTradeFillCount,
      volume: decStr(priced.volume),
      liquidation: own
        ? {
            liquidatedUser: own.liquidation?.liquidatedUser ?? null,
            markPx: own.liquidation?.markPx ?? '',
            method: own.liquidation?.method ?? '',
          }
        : null,
      counterpartyLiquidation: p.fills.some(isCounterpartyLiquidation),
      adl: p.fills.some((f) => f.dir === 'Auto-Deleveraging'),
      settlement: p.fills.some((f) => f.dir === 'Settlement'),
      spotDustConversion: p.fills.some((f) => f.dir === 'Spot Dust Conversion'),
      netChildVaults: p.fills.some((f) => f.dir === 'Net Child Vaults'),
      twapIds: sortedUnique(
        p.fills.flatMap((f) => (f.twapId === null ? [] : [f.twapId])),
        (a, b) => a - b,
      ),
      dirs: sortedUnique(p.fills.flatMap((f) => (f.dir === null ? [] : [f.dir]))),
      dirMismatch: p.dirMismatch,
      reconcileReason: p.reconcileReason,
    },
  };
}

/** A RECONCILE signal: an explicit jump from what we held to an authoritative position. */
export function reconcileSignal(
  ctx: BlockContext,
  before: Decimal,
  after: Decimal,
  timestamp: number,
  reason: ReconcileReason,
  absorbed: readonly FillEvent[],
): Signal {
  transition(stateOf(before), 'RECONCILE', stateOf(after), ctx.onTransition);
  return makeSignal(ctx, {
    action: 'RECONCILE',
    before,
    after,
    fills: absorbed,
    priced: [],
    timestamp,
    discriminator: `reconcile:${reason}:${decStr(before)}>${decStr(after)}`,
    oid: null,
    selfTradeFillCount: 0,
    dirMismatch: false,
    reconcileReason: reason,
  });
}

/** Derive the block's signals from chain-ordered steps starting at `before`. */
export function deriveBlock(
  ctx: BlockContext,
  before: Decimal,
  steps: readonly ChainStep[],
  emit: boolean,
): BlockOutcome {
  const cls = marketClass(ctx.market);
  const dirFindings: DirFinding[] = [];
  const selfFills = new Set<string>();
  let running = before;
  let selfTradePairs = 0;
  for (const step of steps) {
    if (step.length === 2) {
      selfTradePairs++;
      for (const f of step) {
        selfFills.add(f.eventId);
        const c = checkDir(f, running, running.plus(signedSize(f)), cls);
        if (c.kind === 'mismatch' || c.kind === 'unknown') dirFindings.push({ fill: f, check: c });
      }
      continue;
    }
    const f = step[0];
    const start = f.startPosition ?? running;
    const end = start.plus(signedSize(f));
    const c = checkDir(f, start, end, cls);
    if (c.kind === 'mismatch' || c.kind === 'unknown') dirFindings.push({ fill: f, check: c });
    running = end;
  }
  const after = running;
  const all = steps.flat();
  const timestamp = all[0]?.time ?? 0;
  const mismatchIds = new Set(
    dirFindings.filter((d) => d.check.kind === 'mismatch').map((d) => d.fill.eventId),
  );
  const signals: Signal[] = [];
  const netZero = before.eq(after) && all.length > 0;
  if (!emit) return { signals, after, selfTradePairs, netZero, dirFindings };

  const build = (fills: FillEvent[], b: Decimal, a: Decimal, disc: string, oid: number | null): void => {
    const action = deriveAction(b, a);
    if (action === null) return;
    transition(stateOf(b), action, stateOf(a), ctx.onTransition);
    signals.push(
      makeSignal(ctx, {
        action,
        before: b,
        after: a,
        fills,
        // Most blocks have no self-trade and no dir mismatch: skip the passes then.
        priced: selfFills.size === 0 ? fills : fills.filter((f) => !selfFills.has(f.eventId)),
        timestamp,
        discriminator: disc,
        oid,
        selfTradeFillCount: selfFills.size === 0 ? 0 : fills.filter((f) => selfFills.has(f.eventId)).length,
        dirMismatch: mismatchIds.size > 0 && fills.some((f) => mismatchIds.has(f.eventId)),
        reconcileReason: null,
      }),
    );
  };

  if (ctx.mode === 'block') {
    build(all, before, after, 'block', null);
    return { signals, after, selfTradePairs, netZero, dirFindings };
  }
  // Order mode: orders in the chain order of their first fill; self-trade pairs belong to none.
  const groups = new Map<string, FillEvent[]>();
  for (const f of all) {
    if (selfFills.has(f.eventId)) continue;
    const k = String(f.oid);
    const g = groups.get(k) ?? [];
    g.push(f);
    groups.set(k, g);
  }
  let pos = before;
  for (const [k, fills] of groups) {
    const next = fills.reduce((s, f) => s.plus(signedSize(f)), pos);
    build(fills, pos, next, `order:${k}`, fills[0]?.oid ?? null);
    pos = next;
  }
  return { signals, after, selfTradePairs, netZero, dirFindings };
}
