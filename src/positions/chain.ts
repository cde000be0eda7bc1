/**
 * Ordering the fills of one block by their startPosition chain (docs/hyperliquid-protocol.md §3.4):
 * fill k+1 starts where fill k ended. Self-trade pairs (§3.6: same trade, opposite sides,
 * same size, same startPosition) are one net-zero step. The search backtracks because a
 * position can be revisited inside a block; ties are broken by eventId so the result is
 * deterministic whatever order the fills arrived in.
 */
import type { Decimal, FillEvent } from '../core/index.js';
import { decStr } from '../core/index.js';
import { signedSize } from './fill-traits.js';

const ZERO_HASH = /^0x0*$/;

/** True when a and b are the two sides of one self-trade of the tracked account. */
export function isSelfTradePair(a: FillEvent, b: FillEvent): boolean {
  if (a.side === b.side || !a.sz.eq(b.sz) || a.time !== b.time || a.eventId === b.eventId) return false;
  if (a.startPosition !== null && b.startPosition !== null && !a.startPosition.eq(b.startPosition))
    return false;
  if (a.tid !== null && a.tid !== 0) return a.tid === b.tid;
  // Pre-tid history: fall back to the shared non-zero transaction hash.
  return (b.tid === null || b.tid === 0) && a.hash !== null && a.hash === b.hash && !ZERO_HASH.test(a.hash);
}

/** Steps of a chain: a single fill or a self-trade pair. */
export type ChainStep = readonly [FillEvent] | readonly [FillEvent, FillEvent];

export interface ChainResult {
  /** The ordered steps that chain from the start; all fills when `complete`. */
  readonly steps: readonly ChainStep[];
  readonly complete: boolean;
  /** Position after the last chained step. */
  readonly end: Decimal;
}

/** Bound on backtracking work; beyond it the block is treated as unchained (repair path). */
const MAX_SEARCH_STEPS = 50_000;

function groupSteps(fills: readonly FillEvent[]): ChainStep[] {
  const sorted = [...fills].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  const used = new Set<string>();
  const steps: ChainStep[] = [];
  for (const f of sorted) {
    if (used.has(f.eventId)) continue;
    used.add(f.eventId);
    const partner = sorted.find((g) => !used.has(g.eventId) && isSelfTradePair(f, g));
    if (partner) {
      used.add(partner.eventId);
      steps.push(f.side === 'B' ? [f, partner] : [partner, f]);
    } else steps.push([f]);
  }
  return steps;
}

function stepStart(s: ChainStep): Decimal | null {
  return s[0].startPosition;
}

function stepEnd(s: ChainStep, from: Decimal): Decimal {
  return s.length === 2 ? from : from.plus(signedSize(s[0]));
}

/** Bound on the fast path's pairwise check for a repeated startPosition. */
const FAST_PATH_MAX = 16;

/**
 * The common case, without the search: the fills arrive in chain order (the fan-in orders each
 * block) and no startPosition repeats (so there is no self-trade pair and no revisited
 * position). Then that order is the only chain, exactly what the search below would find.
 */
function chainedAsDelivered(start: Decimal, fills: readonly FillEvent[]): ChainResult | null {
  if (fills.length === 0 || fills.length > FAST_PATH_MAX) return null;
  let pos = start;
  for (const f of fills) {
    if (f.startPosition === null || !f.startPosition.eq(pos)) return null;
    pos = pos.plus(signedSize(f));
  }
  for (let i = 1; i < fills.length; i++) {
    const si = (fills[i] as FillEvent).startPosition as Decimal;
    for (let j = 0; j < i; j++) if (si.eq((fills[j] as FillEvent).startPosition as Decimal)) return null;
  }
  return { steps: fills.map((f) => [f] as const), complete: true, end: pos };
}

/**
 * Chain-sort `fills` (all of one block) from position `start`. Fills without a
 * startPosition (market-stream) cannot be chained: they follow the chained ones by eventId.
 */
export function chainSort(start: Decimal, fills: readonly FillEvent[]): ChainResult {
  const fast = chainedAsDelivered(start, fills);
  if (fast) return fast;
  const steps = groupSteps(fills);
  const anchored = steps.filter((s) => stepStart(s) !== null);
  const floating = steps.filter((s) => stepStart(s) === null);
  const byStart = new Map<string, ChainStep[]>();
  for (const s of anchored) {
    const k = decStr(stepStart(s) as Decimal);
    const list = byStart.get(k) ?? [];
    list.push(s);
    byStart.set(k, list);
  }
  const used = new Set<ChainStep>();
  const path: ChainStep[] = [];
  let best: ChainStep[] = [];
  let bestEnd = start;
  let work = 0;
  const dfs = (pos: Decimal): boolean => {
    if (path.length > best.length) {
      best = [...path];
      bestEnd = pos;
    }
    if (path.length === anchored.length) return true;
    if (++work > MAX_SEARCH_STEPS) return false;
    const candidates = byStart.get(decStr(pos)) ?? [];
    for (const c of candidates) {
      if (used.has(c)) continue;
      used.add(c);
      path.push(c);
      if (dfs(stepEnd(c, pos))) return true;
      path.pop();
      used.delete(c);
    }
    return false;
  };
  const complete = dfs(start);
  let end = bestEnd;
  if (!complete) return { steps: best, complete: false, end };
  for (const s of floating) end = stepEnd(s, end);
  return { steps: [...best, ...floating], complete: true, end };
}

/**
 * For a block that does not chain from where we are: the position it chains from on its own
 * (a start that is no other fill's end), or null if there is none.
 */
export function chainOrigin(fills: readonly FillEvent[]): Decimal | null {
  const steps = groupSteps(fills).filter((s) => stepStart(s) !== null);
  const origins = steps.map((s) => stepStart(s) as Decimal);
  const ends = new Set(steps.map((s) => decStr(stepEnd(s, stepStart(s) as Decimal))));
  const candidates = origins.filter((o) => !ends.has(decStr(o)));
  const ordered = candidates.length > 0 ? candidates : origins;
  for (const o of ordered) if (chainSort(o, fills).complete) return o;
  return null;
}
