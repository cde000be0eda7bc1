/**
 * Canonical order of the fills of one block (same key, same block time), pure.
 *
 * Fills of one user and coin in one block share `time`; their true order is the
 * startPosition chain (docs/hyperliquid-protocol.md §3.4): fill k+1 starts where fill k ended. We model
 * each fill as an edge startPosition -> endPosition and take an Eulerian trail (Hierholzer),
 * which also orders blocks where the position returns to an earlier value (0 -> 5 -> 0 -> 3).
 * A self-trade pair (§3.6: same startPosition, same size, opposite sides, same tid) is one
 * net-zero loop edge, so its two fills stay adjacent. The trail starts at the vertex with an
 * out-surplus; a closed chain starts at the position the previous block ended at (hint).
 * Fills the chain cannot connect (a gap) follow as further trails; positions flag the gap.
 *
 * When any fill of the user lacks startPosition (market-stream `trades`), the order is by
 * time, tid, side (A before B), eventId: deterministic, and a self-trade pair (one tid) stays
 * adjacent. Users of one influencer are ordered by address. Edge choice at a vertex uses
 * the same comparator, so the same set of fills always yields the same order.
 */
import type { Decimal, FillEvent } from '../core/index.js';
import { decStr } from '../core/index.js';

export function compareFallback(a: FillEvent, b: FillEvent): number {
  if (a.time !== b.time) return a.time - b.time;
  const ta = a.tid ?? Number.MAX_SAFE_INTEGER;
  const tb = b.tid ?? Number.MAX_SAFE_INTEGER;
  if (ta !== tb) return ta - tb;
  if (a.side !== b.side) return a.side < b.side ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** Position after the fill, as canonical text; null when startPosition is unknown. */
export function endPosition(f: FillEvent): string | null {
  if (f.startPosition === null) return null;
  return decStr(f.side === 'B' ? f.startPosition.plus(f.sz) : f.startPosition.minus(f.sz));
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly fills: readonly FillEvent[];
  used: boolean;
}

/**
 * Orders one block. `previousLast(user)` returns the last fill released for that user on
 * this key (used only to start a closed chain); it may return undefined.
 */
export function orderBlock(
  fills: readonly FillEvent[],
  previousLast: (user: string) => FillEvent | undefined = () => undefined,
): FillEvent[] {
  if (fills.length <= 1) return fills.slice();
  if (singleUser(fills)) return orderUserGroup(fills.slice(), previousLast);
  const byUser = new Map<string, FillEvent[]>();
  for (const f of fills) {
    const g = byUser.get(f.user);
    if (g) g.push(f);
    else byUser.set(f.user, [f]);
  }
  const users = [...byUser.keys()].sort();
  const out: FillEvent[] = [];
  for (const u of users) out.push(...orderUserGroup(byUser.get(u) as FillEvent[], previousLast));
  return out;
}

function singleUser(fills: readonly FillEvent[]): boolean {
  const u = (fills[0] as FillEvent).user;
  for (let i = 1; i < fills.length; i++) if ((fills[i] as FillEvent).user !== u) return false;
  return true;
}

function orderUserGroup(g: FillEvent[], previousLast: (user: string) => FillEvent | undefined): FillEvent[] {
  if (g.length === 1) return g;
  for (const f of g) if (f.startPosition === null) return g.sort(compareFallback);
  return chainOrder(g, previousLast);
}

function hintOf(last: FillEvent | undefined): string | null {
  return last ? endPosition(last) : null;
}

function buildEdges(group: FillEvent[]): Edge[] {
  const sorted = group.slice().sort(compareFallback);
  // Self-trade pair: same start, size and tid (same hash when the era had no tid), opposite sides.
  const pairKey = (f: FillEvent): string =>
    `${decStr(f.startPosition as Decimal)}|${decStr(f.sz)}|${f.tid ?? `h:${f.hash ?? ''}`}`;
  const bySide = { A: new Map<string, FillEvent[]>(), B: new Map<string, FillEvent[]>() };
  for (const f of sorted) {
    const m = bySide[f.side];
    const k = pairKey(f);
    const l = m.get(k);
    if (l) l.push(f);
    else m.set(k, [f]);
  }
  const paired = new Set<FillEvent>();
  const edges: Edge[] = [];
  for (const f of sorted) {
    if (paired.has(f)) continue;
    const start = decStr(f.startPosition as Decimal);
    const other = bySide[f.side === 'A' ? 'B' : 'A'].get(pairKey(f))?.find((g) => !paired.has(g));
    if (other) {
      paired.add(f);
      paired.add(other);
      edges.push({ from: start, to: start, fills: [f, other].sort(compareFallback), used: false });
    } else {
      edges.push({ from: start, to: endPosition(f) as string, fills: [f], used: false });
    }
  }
  return edges;
}

function endDecimal(f: FillEvent): Decimal {
  return f.side === 'B' ? (f.startPosition as Decimal).plus(f.sz) : (f.startPosition as Decimal).minus(f.sz);
}

/**
 * Fast path: when the fills already form a chain in arrival order and no position repeats,
 * that chain is the only Eulerian trail, so it is the canonical order without building a graph.
 */
function alreadyChained(group: readonly FillEvent[]): boolean {
  if (group.length > 16) return false;
  for (let i = 1; i < group.length; i++) {
    if (!endDecimal(group[i - 1] as FillEvent).eq((group[i] as FillEvent).startPosition as Decimal))
      return false;
  }
  // A closed chain (back to its first position) may start anywhere: leave it to the full path.
  if (endDecimal(group[group.length - 1] as FillEvent).eq((group[0] as FillEvent).startPosition as Decimal))
    return false;
  for (let i = 0; i < group.length; i++) {
    for (let j = i + 1; j < group.length; j++) {
      if (
        ((group[i] as FillEvent).startPosition as Decimal).eq(
          (group[j] as FillEvent).startPosition as Decimal,
        )
      )
        return false;
    }
  }
  return true;
}

function chainOrder(group: FillEvent[], previousLast: (user: string) => FillEvent | undefined): FillEvent[] {
  if (alreadyChained(group)) return group;
  const hint = hintOf(previousLast((group[0] as FillEvent).user));
  const edges = buildEdges(group); // already in comparator order of their first fill
  const adj = new Map<string, Edge[]>();
  for (const e of edges) {
    const l = adj.get(e.from);
    if (l) l.push(e);
    else adj.set(e.from, [e]);
  }
  const out: FillEvent[] = [];
  let remaining = edges.length;
  while (remaining > 0) {
    const start = pickStart(edges, hint);
    const trail = hierholzer(start, adj);
    for (const e of trail) out.push(...e.fills);
    remaining -= trail.length;
    if (trail.length === 0) break; // cannot happen: start always has an unused edge
  }
  for (const e of edges) if (!e.used) out.push(...e.fills);
  return out;
}

function pickStart(edges: readonly Edge[], hint: string | null): string {
  const surplus = new Map<string, number>();
  let first: Edge | undefined;
  for (const e of edges) {
    if (e.used) continue;
    first ??= e;
    surplus.set(e.from, (surplus.get(e.from) ?? 0) + 1);
    surplus.set(e.to, (surplus.get(e.to) ?? 0) - 1);
  }
  let best: string | null = null;
  let bestSurplus = 0;
  for (const e of edges) {
    if (e.used) continue;
    const s = surplus.get(e.from) ?? 0;
    if (s > bestSurplus || (s === bestSurplus && s > 0 && e.from === hint)) {
      best = e.from;
      bestSurplus = s;
    }
  }
  if (best !== null) return best;
  if (hint !== null && edges.some((e) => !e.used && e.from === hint)) return hint;
  return (first as Edge).from;
}

function hierholzer(start: string, adj: Map<string, Edge[]>): Edge[] {
  const nextUnused = (v: string): Edge | undefined => adj.get(v)?.find((e) => !e.used);
  const stackV = [start];
  const stackE: Edge[] = [];
  const trail: Edge[] = [];
  while (stackV.length > 0) {
    const v = stackV[stackV.length - 1] as string;
    const e = nextUnused(v);
    if (e) {
      e.used = true;
      stackV.push(e.to);
      stackE.push(e);
    } else {
      stackV.pop();
      const pe = stackE.pop();
      if (pe) trail.push(pe);
    }
  }
  return trail.reverse();
}
