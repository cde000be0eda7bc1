/**
 * Evidence that something is missing, for the latency-first fan-in: does an ordered block
 * continue, per user, the startPosition chain where the key's released fills left off?
 * (docs/hyperliquid-protocol.md §3.4: fill k+1 starts where fill k ended; §3.6: a self-trade pair is
 * one net-zero step, both fills reporting the position before it). A fill without
 * startPosition (market-stream `trades`) gives no evidence and makes the next start unknown;
 * an unknown expectation (the key's first fill) is not evidence either. Pure but for
 * `recordEnds`, which updates the map it is given.
 */
import type { Decimal, FillEvent } from '../core/index.js';

/** Position after the last released fill, per user; null when it cannot be known. */
export type ChainEnds = Map<string, Decimal | null>;

function isPairSecond(prev: FillEvent | undefined, f: FillEvent): boolean {
  return (
    prev !== undefined &&
    prev.time === f.time &&
    prev.side !== f.side &&
    (prev.tid === null || f.tid === null || prev.tid === f.tid) &&
    prev.startPosition !== null &&
    (f.startPosition as Decimal).eq(prev.startPosition) &&
    prev.sz.eq(f.sz)
  );
}

/**
 * Walks `ordered` (one block in canonical order: each user's fills contiguous) from `ends`;
 * with `commit`, stores where each user ends; without, stops at the first fill that does not
 * continue its user's chain (a fill of this block or an earlier one has not arrived yet).
 */
function walk(ordered: readonly FillEvent[], ends: ChainEnds, commit: boolean): boolean {
  let user: string | null = null;
  let pos: Decimal | null | undefined;
  let prev: FillEvent | undefined;
  // A closed chain (ends where it started) may be rotated to start at any of its positions:
  // without a known start its end says nothing about where the next block begins.
  let unanchored = false;
  let first: Decimal | null = null;
  const store = (): void => {
    if (user === null) return;
    const closed = unanchored && pos !== undefined && pos !== null && first !== null && pos.eq(first);
    ends.set(user, closed ? null : (pos ?? null));
  };
  for (const f of ordered) {
    if (f.user !== user) {
      if (commit) store();
      user = f.user;
      pos = ends.get(user);
      unanchored = pos === undefined || pos === null;
      first = f.startPosition;
      prev = undefined;
    }
    const start = f.startPosition;
    if (start === null) pos = null;
    else if (isPairSecond(prev, f)) {
      pos = start;
      prev = undefined; // a pair is two fills: the next one cannot be its second leg
      continue;
    } else {
      if (!commit && pos !== undefined && pos !== null && !start.eq(pos)) return false;
      pos = f.side === 'B' ? start.plus(f.sz) : start.minus(f.sz);
    }
    prev = f;
  }
  if (commit) store();
  return true;
}

/** True when every fill of the block continues its user's chain (or gives no evidence). */
export function continuesChain(ordered: readonly FillEvent[], ends: ChainEnds): boolean {
  return walk(ordered, ends, false);
}

/** Records where each user's chain ends after the released block. */
export function recordEnds(ordered: readonly FillEvent[], ends: ChainEnds): void {
  walk(ordered, ends, true);
}
