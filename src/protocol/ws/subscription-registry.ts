/**
 * The subscriptions a connection should hold. It outlives sockets: on every (re)connect the
 * whole registry is re-sent (paced), because `userFills` snapshots are the only replay of what
 * happened while disconnected (§1.6, §2.2). Entries also carry the callers waiting for the
 * first ack, and the in-flight bookkeeping used to correlate acks and uncorrelated errors.
 */
import type { TimerHandle } from '../../core/index.js';
import type { NormalizedSubscription, Subscription } from '../subscription.js';

export interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export interface RegistryEntry {
  readonly key: string;
  readonly request: Subscription;
  readonly normalized: NormalizedSubscription;
  /** Lower-cased address for user-specific subscriptions, else null. */
  readonly user: string | null;
  /** Acked on the current socket. */
  active: boolean;
  /** Ever acked (resubscribe failures then keep it instead of dropping it). */
  everActive: boolean;
  /** Callers of subscribe() waiting for the first ack. */
  waiters: Waiter[];
}

export interface InFlight {
  readonly key: string;
  readonly method: 'subscribe' | 'unsubscribe';
  readonly normalized: NormalizedSubscription;
  readonly user: string | null;
  readonly sentAt: number;
  /** Monotonic send order: "oldest pending" attribution uses it. */
  readonly seq: number;
  timer: TimerHandle | null;
  readonly waiters: Waiter[];
}

export class SubscriptionRegistry {
  private readonly entries = new Map<string, RegistryEntry>();

  get(key: string): RegistryEntry | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  add(entry: RegistryEntry): void {
    this.entries.set(entry.key, entry);
  }

  delete(key: string): RegistryEntry | undefined {
    const e = this.entries.get(key);
    this.entries.delete(key);
    return e;
  }

  /** Insertion order: the resubscribe order after a reconnect. */
  all(): RegistryEntry[] {
    return [...this.entries.values()];
  }

  markAllInactive(): void {
    for (const e of this.entries.values()) e.active = false;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** In-flight subscribe/unsubscribe messages awaiting an ack, in send order. */
export class AckTracker {
  private readonly inflight: InFlight[] = [];
  private seq = 0;

  nextSeq(): number {
    return ++this.seq;
  }

  add(f: InFlight): void {
    this.inflight.push(f);
  }

  remove(f: InFlight): void {
    const i = this.inflight.indexOf(f);
    if (i >= 0) this.inflight.splice(i, 1);
    f.timer?.cancel();
    f.timer = null;
  }

  /** First in-flight request of `method` satisfying `match` (oldest first). */
  find(method: 'subscribe' | 'unsubscribe', match: (f: InFlight) => boolean): InFlight | undefined {
    return this.inflight.find((f) => f.method === method && match(f));
  }

  /** Everything in flight, oldest first (for socket loss). */
  drain(): InFlight[] {
    const out = this.inflight.splice(0);
    for (const f of out) {
      f.timer?.cancel();
      f.timer = null;
    }
    return out;
  }

  get size(): number {
    return this.inflight.length;
  }
}
