/**
 * Who listens where: the listener refs of the current plan, indexed by id, by connection and
 * by user, and the influencer ids per address the FanIn resolves fills with. Rebuilt from the
 * plan on every (re)plan; the streams read it on the hot path, so lookups are plain Maps.
 */
import type { Address, ListenerKind, ListenerRole } from '../core/index.js';
import type { ListenerPlan } from './planner.js';

export interface ListenerRef {
  /** `<influencerId>/<slot>`: stable while the influencer is tracked. */
  readonly id: string;
  readonly influencerId: string;
  /** The planned slot; the current role lives in ListenerHealth. */
  readonly slot: ListenerRole;
  /** Lower-case address. */
  readonly user: string;
  readonly kind: ListenerKind;
  readonly connectionId: string;
  readonly pool: string;
}

export const listenerId = (influencerId: string, slot: ListenerRole): string => `${influencerId}/${slot}`;

export class ListenerDirectory {
  private byId = new Map<string, ListenerRef>();
  private byConn = new Map<string, Map<string, ListenerRef[]>>();
  private byUser = new Map<string, ListenerRef[]>();
  private influencersByUser = new Map<string, string[]>();
  private addressOf = new Map<string, string>();

  rebuild(plan: ListenerPlan): void {
    const byId = new Map<string, ListenerRef>();
    const byConn = new Map<string, Map<string, ListenerRef[]>>();
    const byUser = new Map<string, ListenerRef[]>();
    const infl = new Map<string, string[]>();
    const addr = new Map<string, string>();
    for (const a of plan.assignments) {
      const user = a.address.toLowerCase();
      addr.set(a.influencerId, user);
      const list = infl.get(user) ?? [];
      list.push(a.influencerId);
      infl.set(user, list);
      for (const slot of ['primary', 'secondary'] as const) {
        const asg = a[slot];
        if (!asg) continue;
        const ref: ListenerRef = {
          id: listenerId(a.influencerId, slot),
          influencerId: a.influencerId,
          slot,
          user,
          kind: asg.kind,
          connectionId: asg.connectionId,
          pool: asg.pool,
        };
        byId.set(ref.id, ref);
        let users = byConn.get(ref.connectionId);
        if (!users) byConn.set(ref.connectionId, (users = new Map()));
        const refs = users.get(user) ?? [];
        refs.push(ref);
        users.set(user, refs);
      }
    }
    this.byId = byId;
    this.byConn = byConn;
    // From byId, so a listener id planned twice counts once, as the last plan entry says.
    for (const ref of byId.values()) {
      const ofUser = byUser.get(ref.user);
      if (ofUser) ofUser.push(ref);
      else byUser.set(ref.user, [ref]);
    }
    this.byUser = byUser;
    this.influencersByUser = infl;
    this.addressOf = addr;
  }

  get(id: string): ListenerRef | undefined {
    return this.byId.get(id);
  }

  all(): ListenerRef[] {
    return [...this.byId.values()];
  }

  /** user -> listeners on `connectionId`. */
  onConnection(connectionId: string): ReadonlyMap<string, readonly ListenerRef[]> {
    return this.byConn.get(connectionId) ?? new Map<string, ListenerRef[]>();
  }

  listenersOfConnection(connectionId: string): ListenerRef[] {
    return [...this.onConnection(connectionId).values()].flat();
  }

  /**
   * Indexed: the listener manager asks on every listener state change, and a scan of all
   * listeners there made a connection drop O(listeners^2) (at 30 000 influencers a reconnect
   * of one busy connection kept the event loop busy for seconds).
   */
  listenersOfUser(user: string): ListenerRef[] {
    return [...(this.byUser.get(user) ?? [])];
  }

  influencersOf(user: Address | string): readonly string[] {
    return this.influencersByUser.get(user) ?? [];
  }

  addressOfInfluencer(influencerId: string): string | undefined {
    return this.addressOf.get(influencerId);
  }
}
