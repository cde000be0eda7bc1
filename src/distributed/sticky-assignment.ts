/**
 * The sticky assignment function (pure): given the members of a consumer group with the
 * partitions each held before the rebalance, and the partitions that exist now, it returns a
 * balanced assignment (every member gets floor(n/m) or ceil(n/m) partitions) that keeps every
 * previous owner's partitions where the balance allows and so moves only what must move.
 * kafkajs 2.2.4 ships only a round-robin assignor, which reshuffles almost everything on every
 * join or leave; sticky-assigner.ts wraps this function into a kafkajs PartitionAssigner.
 *
 * Rules, in order:
 *  1. The members with the most valid previous partitions get the ceil(n/m) quotas (ties by
 *     member id), so the fewest partitions have to leave a member.
 *  2. Each member keeps its previous partitions (ascending) up to its quota. A partition two
 *     members both claim (a stale member rejoining) goes to the first in member-id order.
 *  3. The remaining partitions go, ascending, to the members still under quota, in member-id
 *     order. Deterministic: same input, same output.
 */

export interface StickyMember {
  readonly memberId: string;
  /** Partitions this member held before this rebalance (empty for a new member). */
  readonly previous: readonly number[];
}

export function assignSticky(
  members: readonly StickyMember[],
  partitions: readonly number[],
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (members.length === 0) return out;
  const ordered = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  for (const m of ordered) out.set(m.memberId, []);
  const exists = new Set(partitions);

  // Valid previous claims, conflicts resolved by member-id order.
  const claimedBy = new Map<number, string>();
  const claims = new Map<string, number[]>();
  for (const m of ordered) {
    const mine = [...new Set(m.previous)]
      .filter((p) => exists.has(p) && !claimedBy.has(p))
      .sort((a, b) => a - b);
    for (const p of mine) claimedBy.set(p, m.memberId);
    claims.set(m.memberId, mine);
  }

  const base = Math.floor(partitions.length / ordered.length);
  let extra = partitions.length % ordered.length;
  const quota = new Map<string, number>();
  const byClaims = [...ordered].sort(
    (a, b) => (claims.get(b.memberId)?.length ?? 0) - (claims.get(a.memberId)?.length ?? 0),
  );
  for (const m of byClaims) {
    quota.set(m.memberId, base + (extra > 0 ? 1 : 0));
    if (extra > 0) extra -= 1;
  }

  const taken = new Set<number>();
  for (const m of ordered) {
    const keep = (claims.get(m.memberId) ?? []).slice(0, quota.get(m.memberId) ?? 0);
    for (const p of keep) taken.add(p);
    out.set(m.memberId, keep);
  }
  const free = [...exists].filter((p) => !taken.has(p)).sort((a, b) => a - b);
  let next = 0;
  for (const m of ordered) {
    const mine = out.get(m.memberId) ?? [];
    const want = quota.get(m.memberId) ?? 0;
    while (mine.length < want && next < free.length) mine.push(free[next++] as number);
    mine.sort((a, b) => a - b);
  }
  return out;
}

/** How many partitions changed owner between two assignments (for tests and logs). */
export function movedPartitions(
  before: ReadonlyMap<string, readonly number[]>,
  after: ReadonlyMap<string, readonly number[]>,
): number {
  const owner = new Map<number, string>();
  for (const [m, ps] of before) for (const p of ps) owner.set(p, m);
  let moved = 0;
  for (const [m, ps] of after) for (const p of ps) if (owner.get(p) !== m) moved += 1;
  return moved;
}
