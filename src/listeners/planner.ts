/**
 * Listener planner (pure): places every enabled influencer's primary and secondary listener
 * on a kind (user-stream = `userFills` + a position feed; market-stream = the per-coin
 * `trades` feed) and on a connection of an egress pool, within each pool's per-IP budget
 * (docs/hyperliquid-protocol.md §5.1, §9, §13). Deterministic: the same input gives the same plan.
 *
 * Budget model per pool (one egress IP): `users` counts unique addresses across user-specific
 * subscriptions of the pool (the same user on two sockets of one IP counts once);
 * `connections` counts sockets, minus `reserveConnections` kept free so a make-before-break
 * rotation can open its replacement; `subscriptions` counts every channel (a user-stream
 * listener costs 1-2, a market-stream connection costs one per coin of the universe and
 * serves every market-stream listener placed on it).
 *
 * Rules: the two listeners of an influencer are never on one connection (the server refuses
 * a second identical subscription on a socket) and, with several pools, go through different
 * pools (`distinctPools: 'prefer'` falls back to one pool with a warning; `'require'` reports
 * the listener unplaced instead). Higher priority first. Policy `coverage-first` (default)
 * gives user-stream primaries to as many influencers as the user budget allows before any
 * secondary gets user-stream, so with one pool the top N get user-stream on both listeners
 * (the second costs no user slot on the same IP) and with several pools the top ones get
 * user-stream primary + market-stream secondary (feed-diverse redundancy);
 * `redundancy-first` gives each top influencer both user-stream listeners before the next
 * one gets any. Kinds overrides are obeyed or reported, never silently changed. Nothing is
 * dropped: what does not fit is in `unplaced` with a reason. With `previous`, a listener keeps
 * its pool and connection id when its kind is unchanged and the connection still fits.
 */
import { z } from 'zod';
import type { ListenerKind, ListenerRole } from '../core/index.js';
import { Address, parseAt, ValidationError } from '../core/index.js';

const PoolLimits = z.object({
  users: z.number().int().nonnegative(),
  connections: z.number().int().nonnegative(),
  subscriptions: z.number().int().nonnegative(),
});
export type PoolLimits = z.infer<typeof PoolLimits>;

const Kind = z.enum(['user-stream', 'market-stream']);

export const PlannerInput = z.object({
  influencers: z.array(
    z.object({
      id: z.string().min(1),
      address: Address,
      priority: z.number().finite(),
      enabled: z.boolean(),
      kinds: z.object({ primary: Kind.optional(), secondary: Kind.optional() }).optional(),
    }),
  ),
  pools: z.array(z.object({ name: z.string().min(1), limits: PoolLimits })),
  /** Coins a market-stream connection subscribes `trades` for. */
  coinUniverse: z.number().int().positive(),
  options: z
    .object({
      positionFeed: z
        .enum(['clearinghouseState', 'allDexsClearinghouseState'])
        .nullable()
        .default('clearinghouseState'),
      maxUsersPerConnection: z.number().int().positive().default(10),
      reserveConnections: z.number().int().nonnegative().default(1),
      userStreamPolicy: z.enum(['coverage-first', 'redundancy-first']).default('coverage-first'),
      distinctPools: z.enum(['prefer', 'require']).default('prefer'),
      /**
       * Which listener slots this process places (issue #17): `both` in a single process;
       * a listener group A process places only primaries, group B only secondaries, so an
       * influencer's two listeners always run in different processes.
       */
      slots: z.enum(['both', 'primary', 'secondary']).default('both'),
    })
    .prefault({}),
});
export type PlannerInput = z.input<typeof PlannerInput>;
export type PlannerSlots = z.output<typeof PlannerInput>['options']['slots'];
type Parsed = z.output<typeof PlannerInput>;

export type PlannedSubscription =
  | { readonly type: 'userFills' | 'clearinghouseState' | 'allDexsClearinghouseState'; readonly user: string }
  | { readonly type: 'trades'; readonly coins: number };

export interface PlannedConnection {
  readonly id: string;
  readonly pool: string;
  readonly kind: ListenerKind;
  readonly subscriptions: readonly PlannedSubscription[];
  readonly subscriptionCount: number;
  readonly listeners: readonly { readonly influencerId: string; readonly role: ListenerRole }[];
}

export interface ListenerAssignment {
  readonly connectionId: string;
  readonly pool: string;
  readonly kind: ListenerKind;
}

export interface InfluencerAssignment {
  readonly influencerId: string;
  readonly address: string;
  readonly priority: number;
  readonly primary: ListenerAssignment | null;
  readonly secondary: ListenerAssignment | null;
}

export interface CapacityUse {
  readonly limit: number;
  readonly used: number;
  readonly free: number;
}

export interface PoolCapacity {
  readonly pool: string;
  readonly users: CapacityUse;
  /** limit is the pool's; free excludes the reserved make-before-break connections. */
  readonly connections: CapacityUse & { readonly reserved: number };
  readonly subscriptions: CapacityUse;
}

export type UnplacedReason = 'user-cap' | 'market-capacity' | 'no-distinct-pool' | 'no-pools';

export interface Unplaced {
  readonly influencerId: string;
  readonly role: ListenerRole;
  readonly kind: ListenerKind | null;
  readonly reason: UnplacedReason;
  readonly detail: string;
}

export interface PlanWarning {
  readonly influencerId: string;
  readonly code: 'same-pool';
  readonly detail: string;
}

export interface ListenerPlan {
  readonly connections: readonly PlannedConnection[];
  readonly assignments: readonly InfluencerAssignment[];
  readonly capacity: readonly PoolCapacity[];
  readonly unplaced: readonly Unplaced[];
  readonly warnings: readonly PlanWarning[];
  readonly disabled: readonly string[];
}

interface Conn {
  readonly id: string;
  readonly pool: PoolState;
  readonly kind: ListenerKind;
  readonly users: string[];
  subs: number;
  readonly listeners: { influencerId: string; role: ListenerRole }[];
}

interface PoolState {
  readonly name: string;
  readonly index: number;
  readonly limits: PoolLimits;
  readonly users: Set<string>;
  readonly conns: Conn[];
  subs: number;
}

type Inf = Parsed['influencers'][number];

class Placer {
  readonly pools: PoolState[];
  private readonly byId = new Map<string, Conn>();
  private readonly prevIds: Set<string>;
  readonly unplaced: Unplaced[] = [];
  readonly warnings: PlanWarning[] = [];
  readonly placed = new Map<string, { primary: Conn | null; secondary: Conn | null }>();

  constructor(
    private readonly p: Parsed,
    private readonly previous: ListenerPlan | undefined,
  ) {
    this.pools = p.pools.map((s, index) => ({
      name: s.name,
      index,
      limits: s.limits,
      users: new Set(),
      conns: [],
      subs: 0,
    }));
    this.prevIds = new Set(previous?.connections.map((c) => c.id) ?? []);
  }

  private get userSubs(): number {
    return this.p.options.positionFeed === null ? 1 : 2;
  }

  place(inf: Inf, role: ListenerRole): void {
    const slot = this.placed.get(inf.id) ?? { primary: null, secondary: null };
    this.placed.set(inf.id, slot);
    const other = role === 'primary' ? slot.secondary : slot.primary;
    const forced = inf.kinds?.[role];
    if (this.pools.length === 0)
      return this.fail(inf, role, forced ?? null, 'no-pools', 'no egress pool is configured');
    const distinct = this.pools.length > 1 && other !== null;
    const tiers: { kind: ListenerKind; sameOk: boolean }[] = [];
    const kinds: ListenerKind[] = forced ? [forced] : ['user-stream', 'market-stream'];
    for (const kind of kinds) tiers.push({ kind, sameOk: !distinct });
    if (distinct && this.p.options.distinctPools === 'prefer')
      for (const kind of kinds) tiers.push({ kind, sameOk: true });
    for (const t of tiers) {
      const c = this.tryKind(inf, role, t.kind, other, t.sameOk);
      if (!c) continue;
      slot[role] = c;
      if (distinct && c.pool === other?.pool) {
        this.warnings.push({
          influencerId: inf.id,
          code: 'same-pool',
          detail: `both listeners go through pool ${c.pool.name}`,
        });
      }
      return;
    }
    const kind = forced ?? 'market-stream';
    const reason: UnplacedReason =
      distinct &&
      this.p.options.distinctPools === 'require' &&
      this.fitsIgnoringDistinct(inf, role, kind, other)
        ? 'no-distinct-pool'
        : kind === 'user-stream'
          ? 'user-cap'
          : 'market-capacity';
    const detail =
      reason === 'no-distinct-pool'
        ? `fits only in pool ${other?.pool.name ?? ''} beside its other listener and distinctPools is 'require'`
        : reason === 'user-cap'
          ? 'no pool has a free user slot and connection/subscription room for a user-stream listener'
          : `no pool has room for a market-stream connection (${this.p.coinUniverse} trades subscriptions) or a shared one`;
    this.fail(inf, role, kind, reason, detail);
  }

  private fitsIgnoringDistinct(
    inf: Inf,
    role: ListenerRole,
    kind: ListenerKind,
    other: Conn | null,
  ): boolean {
    return other !== null && this.candidate(inf, role, kind, other, other.pool) !== null;
  }

  private fail(
    inf: Inf,
    role: ListenerRole,
    kind: ListenerKind | null,
    reason: UnplacedReason,
    detail: string,
  ): void {
    this.unplaced.push({ influencerId: inf.id, role, kind, reason, detail });
  }

  private tryKind(
    inf: Inf,
    role: ListenerRole,
    kind: ListenerKind,
    other: Conn | null,
    sameOk: boolean,
  ): Conn | null {
    const prev = this.previous?.assignments.find((a) => a.influencerId === inf.id)?.[role];
    const pools = this.pools.filter((pool) => sameOk || pool !== other?.pool);
    const order = [...pools].sort((a, b) => {
      if (prev) {
        const pa = a.name === prev.pool ? 0 : 1;
        const pb = b.name === prev.pool ? 0 : 1;
        if (pa !== pb) return pa - pb;
      }
      if (kind === 'user-stream') {
        const fa = a.users.has(inf.address) ? Infinity : a.limits.users - a.users.size;
        const fb = b.users.has(inf.address) ? Infinity : b.limits.users - b.users.size;
        if (fa !== fb) return fb - fa;
      } else {
        const ea = a.conns.some((c) => c.kind === kind && c !== other) ? 0 : 1;
        const eb = b.conns.some((c) => c.kind === kind && c !== other) ? 0 : 1;
        if (ea !== eb) return ea - eb;
      }
      return a.index - b.index;
    });
    for (const pool of order) {
      const c = this.candidate(
        inf,
        role,
        kind,
        other,
        pool,
        prev?.kind === kind ? prev.connectionId : undefined,
      );
      if (c) return this.commit(c, inf, role);
    }
    return null;
  }

  /** A connection (existing or new, not yet registered) that can take the listener, or null. */
  private candidate(
    inf: Inf,
    _role: ListenerRole,
    kind: ListenerKind,
    other: Conn | null,
    pool: PoolState,
    preferId?: string,
  ): Conn | null {
    const newUser = kind === 'user-stream' && !pool.users.has(inf.address);
    if (newUser && pool.users.size >= pool.limits.users) return null;
    const cost = (c: Conn | null): number =>
      kind === 'market-stream'
        ? c
          ? 0
          : this.p.coinUniverse
        : c?.users.includes(inf.address)
          ? 0
          : this.userSubs;
    const fits = (c: Conn): boolean =>
      c.kind === kind &&
      c !== other &&
      pool.subs + cost(c) <= pool.limits.subscriptions &&
      (kind === 'market-stream' ||
        c.users.includes(inf.address) ||
        c.users.length < this.p.options.maxUsersPerConnection);
    const existing = pool.conns.filter(fits);
    const preferred = existing.find((c) => c.id === preferId);
    if (preferred) return preferred;
    const canOpen =
      pool.conns.length < pool.limits.connections - this.p.options.reserveConnections &&
      pool.subs + cost(null) <= pool.limits.subscriptions;
    if (
      canOpen &&
      preferId !== undefined &&
      !this.byId.has(preferId) &&
      preferId.startsWith(`${pool.name}/${kind}/`)
    ) {
      return this.newConn(pool, kind, preferId);
    }
    if (existing[0]) return existing[0];
    return canOpen ? this.newConn(pool, kind) : null;
  }

  private newConn(pool: PoolState, kind: ListenerKind, id?: string): Conn {
    let cid = id;
    for (let n = 1; cid === undefined; n++) {
      const c = `${pool.name}/${kind}/${n}`;
      if (!this.byId.has(c) && !this.prevIds.has(c)) cid = c;
    }
    return { id: cid, pool, kind, users: [], subs: 0, listeners: [] };
  }

  private commit(c: Conn, inf: Inf, role: ListenerRole): Conn {
    const pool = c.pool;
    if (!this.byId.has(c.id)) {
      this.byId.set(c.id, c);
      pool.conns.push(c);
      if (c.kind === 'market-stream') {
        c.subs = this.p.coinUniverse;
        pool.subs += c.subs;
      }
    }
    if (c.kind === 'user-stream') {
      pool.users.add(inf.address);
      if (!c.users.includes(inf.address)) {
        c.users.push(inf.address);
        c.subs += this.userSubs;
        pool.subs += this.userSubs;
      }
    }
    c.listeners.push({ influencerId: inf.id, role });
    return c;
  }

  connections(): PlannedConnection[] {
    return [...this.byId.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((c) => ({
        id: c.id,
        pool: c.pool.name,
        kind: c.kind,
        subscriptions:
          c.kind === 'market-stream'
            ? [{ type: 'trades' as const, coins: this.p.coinUniverse }]
            : c.users.flatMap((user) => [
                { type: 'userFills' as const, user },
                ...(this.p.options.positionFeed === null
                  ? []
                  : [{ type: this.p.options.positionFeed, user }]),
              ]),
        subscriptionCount: c.subs,
        listeners: c.listeners.slice(),
      }));
  }

  capacity(): PoolCapacity[] {
    const use = (limit: number, used: number): CapacityUse => ({
      limit,
      used,
      free: Math.max(0, limit - used),
    });
    const reserve = this.p.options.reserveConnections;
    return this.pools.map((p) => ({
      pool: p.name,
      users: use(p.limits.users, p.users.size),
      connections: {
        ...use(p.limits.connections, p.conns.length),
        free: Math.max(0, p.limits.connections - reserve - p.conns.length),
        reserved: Math.min(reserve, p.limits.connections),
      },
      subscriptions: use(p.limits.subscriptions, p.subs),
    }));
  }
}

function validate(p: Parsed): void {
  const dup = (xs: string[], what: string): void => {
    const seen = new Set<string>();
    for (const x of xs) {
      if (seen.has(x)) {
        const msg = `duplicate ${what} ${JSON.stringify(x)}`;
        throw new ValidationError(`invalid listener planner input: ${msg}`, [msg]);
      }
      seen.add(x);
    }
  };
  dup(
    p.influencers.map((i) => i.id),
    'influencer id',
  );
  dup(
    p.pools.map((x) => x.name),
    'pool name',
  );
}

/** Plans listeners. Throws ValidationError naming the problem on bad input. */
export function planListeners(input: PlannerInput, previous?: ListenerPlan): ListenerPlan {
  const p = parseAt(PlannerInput, input, 'listener planner input');
  validate(p);
  const enabled = p.influencers
    .filter((i) => i.enabled)
    .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const placer = new Placer(p, previous);
  const slots = p.options.slots;
  const primary = slots !== 'secondary';
  const secondary = slots !== 'primary';
  if (p.options.userStreamPolicy === 'redundancy-first') {
    for (const inf of enabled) {
      if (primary) placer.place(inf, 'primary');
      if (secondary) placer.place(inf, 'secondary');
    }
  } else {
    if (primary) for (const inf of enabled) placer.place(inf, 'primary');
    if (secondary) for (const inf of enabled) placer.place(inf, 'secondary');
  }
  const asg = (c: Conn | null | undefined): ListenerAssignment | null =>
    c ? { connectionId: c.id, pool: c.pool.name, kind: c.kind } : null;
  return {
    connections: placer.connections(),
    assignments: enabled.map((i) => ({
      influencerId: i.id,
      address: i.address,
      priority: i.priority,
      primary: asg(placer.placed.get(i.id)?.primary),
      secondary: asg(placer.placed.get(i.id)?.secondary),
    })),
    capacity: placer.capacity(),
    unplaced: placer.unplaced,
    warnings: placer.warnings,
    disabled: p.influencers
      .filter((i) => !i.enabled)
      .map((i) => i.id)
      .sort(),
  };
}

/** For the RotationCoordinator: connections hosting the other listener of any influencer on `id`. */
export function connectionPeers(plan: ListenerPlan): Map<string, string[]> {
  const peers = new Map<string, Set<string>>(plan.connections.map((c) => [c.id, new Set<string>()]));
  for (const a of plan.assignments) {
    if (!a.primary || !a.secondary || a.primary.connectionId === a.secondary.connectionId) continue;
    peers.get(a.primary.connectionId)?.add(a.secondary.connectionId);
    peers.get(a.secondary.connectionId)?.add(a.primary.connectionId);
  }
  return new Map([...peers].map(([k, v]) => [k, [...v].sort()]));
}

export interface ListenerMove {
  readonly influencerId: string;
  readonly role: ListenerRole;
  readonly from: ListenerAssignment | null;
  readonly to: ListenerAssignment | null;
}

export interface PlanDiff {
  readonly addedConnections: readonly string[];
  readonly removedConnections: readonly string[];
  /** Connections kept, with the subscriptions to send and to remove. */
  readonly changedConnections: readonly {
    readonly id: string;
    readonly subscribe: readonly PlannedSubscription[];
    readonly unsubscribe: readonly PlannedSubscription[];
  }[];
  readonly moved: readonly ListenerMove[];
  readonly unchangedListeners: number;
}

const subKey = (s: PlannedSubscription): string =>
  'user' in s ? `${s.type}|${s.user}` : `${s.type}|${s.coins}`;
const sameAsg = (a: ListenerAssignment | null, b: ListenerAssignment | null): boolean =>
  a === b ||
  (a !== null && b !== null && a.connectionId === b.connectionId && a.kind === b.kind && a.pool === b.pool);

/** What the listener layer must do to go from `prev` to `next` (plan with `previous` to keep churn low). */
export function diffPlans(prev: ListenerPlan, next: ListenerPlan): PlanDiff {
  const before = new Map(prev.connections.map((c) => [c.id, c]));
  const after = new Map(next.connections.map((c) => [c.id, c]));
  const changedConnections: PlanDiff['changedConnections'][number][] = [];
  for (const [id, c] of after) {
    const old = before.get(id);
    if (!old) continue;
    const oldKeys = new Set(old.subscriptions.map(subKey));
    const newKeys = new Set(c.subscriptions.map(subKey));
    const subscribe = c.subscriptions.filter((s) => !oldKeys.has(subKey(s)));
    const unsubscribe = old.subscriptions.filter((s) => !newKeys.has(subKey(s)));
    if (subscribe.length > 0 || unsubscribe.length > 0)
      changedConnections.push({ id, subscribe, unsubscribe });
  }
  const ids = [...new Set([...prev.assignments, ...next.assignments].map((a) => a.influencerId))].sort();
  const prevA = new Map(prev.assignments.map((a) => [a.influencerId, a]));
  const nextA = new Map(next.assignments.map((a) => [a.influencerId, a]));
  const moved: ListenerMove[] = [];
  let unchangedListeners = 0;
  for (const id of ids) {
    for (const role of ['primary', 'secondary'] as const) {
      const from = prevA.get(id)?.[role] ?? null;
      const to = nextA.get(id)?.[role] ?? null;
      if (sameAsg(from, to)) {
        if (to) unchangedListeners++;
      } else moved.push({ influencerId: id, role, from, to });
    }
  }
  return {
    addedConnections: [...after.keys()].filter((id) => !before.has(id)).sort(),
    removedConnections: [...before.keys()].filter((id) => !after.has(id)).sort(),
    changedConnections,
    moved,
    unchangedListeners,
  };
}
