/**
 * Connection rotation coordination. The listener layer asks `acquire(unit)` before any
 * planned reconnect (the ~3 h `Expired` rotation done early, or a degraded reconnect); a
 * unit is whatever goes down together (a connection, or a listener). The coordinator never
 * lets two peers (units that host the two listeners of one influencer: `peersOf`) be down at
 * once: the second waits until the first reports `markUp` (back up AND subscribed). With
 * make-before-break the holder opens its replacement, waits for the subscription acks,
 * closes the old socket and then calls `release()`; the permit covers that whole window.
 * A waiter is granted anyway after `maxWaitMs` (its peer is presumed dead: waiting longer
 * would leave the influencer on one dead listener), flagged `override`.
 * Unplanned drops are reported with `markDown` so planned rotations of peers wait for them.
 *
 * `plannedRotationTimes` proposes per-unit jittered rotation times before the server's
 * expiry so peers never rotate (or expire) together.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import { AbortedError } from '../../core/index.js';
import { TypedEmitter } from '../../core/index.js';

export interface RotationCoordinatorOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Units that must not be down at the same time as `unitId`. */
  readonly peersOf: (unitId: string) => readonly string[];
  /** Longest wait for a peer before granting anyway (default 120 000 ms). */
  readonly maxWaitMs?: number;
  /** Planned rotations in progress at once, all units (default 1: staggered). */
  readonly maxConcurrent?: number;
}

export interface RotationPermit {
  readonly unitId: string;
  readonly override: boolean;
  readonly waitedMs: number;
  /** Same as markUp(unitId): the unit is back up and subscribed. */
  release(): void;
}

export interface RotationEvents {
  [k: string]: unknown;
  waiting: { readonly unitId: string; readonly reason: string; readonly blockedBy: readonly string[] };
  granted: {
    readonly unitId: string;
    readonly reason: string;
    readonly waitedMs: number;
    readonly override: boolean;
  };
  down: { readonly unitId: string; readonly reason: string; readonly planned: boolean };
  up: { readonly unitId: string; readonly downMs: number };
}

interface Waiter {
  readonly unitId: string;
  readonly reason: string;
  readonly since: number;
  readonly resolve: (p: RotationPermit) => void;
  readonly reject: (e: unknown) => void;
  timer: TimerHandle | null;
  cleanup: () => void;
}

export class RotationCoordinator {
  readonly events: TypedEmitter<RotationEvents>;
  private readonly log: Logger;
  private readonly down = new Map<string, { since: number; planned: boolean }>();
  private waiters: Waiter[] = [];
  private readonly maxWait: number;
  private readonly maxConcurrent: number;

  constructor(private readonly o: RotationCoordinatorOptions) {
    this.log = o.logger.child({ component: 'fanin.rotation' });
    this.maxWait = o.maxWaitMs ?? 120_000;
    this.maxConcurrent = o.maxConcurrent ?? 1;
    this.events = new TypedEmitter((err, ev) =>
      this.log.error({ err, event: ev }, 'rotation event listener threw'),
    );
  }

  isDown(unitId: string): boolean {
    return this.down.has(unitId);
  }

  downUnits(): string[] {
    return [...this.down.keys()].sort();
  }

  /** Resolves when `unitId` may go down; rejects with AbortedError when `signal` aborts first. */
  acquire(unitId: string, reason: string, signal?: AbortSignal): Promise<RotationPermit> {
    if (signal?.aborted) return Promise.reject(new AbortedError(`rotation of ${unitId} aborted`));
    const now = this.o.clock.now();
    if (this.down.has(unitId) || this.blockers(unitId).length === 0) {
      return Promise.resolve(this.grant(unitId, reason, now, false));
    }
    return new Promise<RotationPermit>((resolve, reject) => {
      const w: Waiter = {
        unitId,
        reason,
        since: now,
        resolve,
        reject,
        timer: null,
        cleanup: () => undefined,
      };
      w.timer = this.o.clock.setTimeout(() => this.expire(w), this.maxWait);
      if (signal) {
        const onAbort = (): void => {
          this.removeWaiter(w);
          reject(new AbortedError(`rotation of ${unitId} aborted`));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        w.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.waiters.push(w);
      this.events.emit('waiting', { unitId, reason, blockedBy: this.blockers(unitId) });
    });
  }

  /** An unplanned drop: peers' planned rotations wait until markUp. */
  markDown(unitId: string, reason: string): void {
    if (this.down.has(unitId)) return;
    this.down.set(unitId, { since: this.o.clock.now(), planned: false });
    this.events.emit('down', { unitId, reason, planned: false });
  }

  /** Back up and subscribed: releases its permit and lets waiting peers go. */
  markUp(unitId: string): void {
    const d = this.down.get(unitId);
    if (!d) return;
    this.down.delete(unitId);
    this.events.emit('up', { unitId, downMs: this.o.clock.now() - d.since });
    this.wake();
  }

  close(): Promise<void> {
    for (const w of this.waiters) {
      w.timer?.cancel();
      w.cleanup();
      w.reject(new AbortedError('rotation coordinator closed'));
    }
    this.waiters = [];
    return Promise.resolve();
  }

  private blockers(unitId: string): string[] {
    const peersDown = this.o.peersOf(unitId).filter((p) => p !== unitId && this.down.has(p));
    if (peersDown.length > 0) return peersDown;
    let planned = 0;
    for (const d of this.down.values()) if (d.planned) planned++;
    return planned >= this.maxConcurrent ? ['<max-concurrent>'] : [];
  }

  private grant(unitId: string, reason: string, since: number, override: boolean): RotationPermit {
    const now = this.o.clock.now();
    if (!this.down.has(unitId)) {
      this.down.set(unitId, { since: now, planned: true });
      this.events.emit('down', { unitId, reason, planned: true });
    }
    const waitedMs = now - since;
    if (override) this.log.warn({ unitId, reason, waitedMs }, 'rotation granted without peer coming back');
    this.events.emit('granted', { unitId, reason, waitedMs, override });
    return { unitId, override, waitedMs, release: () => this.markUp(unitId) };
  }

  private wake(): void {
    for (const w of [...this.waiters]) {
      if (this.blockers(w.unitId).length > 0) continue;
      this.removeWaiter(w);
      w.resolve(this.grant(w.unitId, w.reason, w.since, false));
    }
  }

  private expire(w: Waiter): void {
    if (!this.waiters.includes(w)) return;
    this.removeWaiter(w);
    w.resolve(this.grant(w.unitId, `${w.reason} (peer not back within ${this.maxWait} ms)`, w.since, true));
  }

  private removeWaiter(w: Waiter): void {
    this.waiters = this.waiters.filter((x) => x !== w);
    w.timer?.cancel();
    w.cleanup();
  }
}

export interface RotationUnit {
  readonly id: string;
  /** When its current connection was established (ms). */
  readonly connectedAt: number;
}

export interface PlannedRotationOptions {
  /** Rotate no later than this after connecting (default 2 h 45 min, before the ~3 h `Expired`). */
  readonly maxAgeMs?: number;
  /** Random-looking but deterministic spread subtracted per unit (default 15 min). */
  readonly jitterMs?: number;
  /** Minimum distance between peers' rotation times (default 2 min). */
  readonly minGapMs?: number;
  /** Changes the jitter pattern (default ''). */
  readonly seed?: string;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Deterministic planned rotation time per unit: connectedAt + maxAge - jitter(unit), then,
 * in unit-id order, moved earlier (never later: it must stay before expiry) until it is at
 * least `minGapMs` from every already-placed peer.
 */
export function plannedRotationTimes(
  units: readonly RotationUnit[],
  peersOf: (unitId: string) => readonly string[],
  opts: PlannedRotationOptions = {},
): Map<string, number> {
  const maxAge = opts.maxAgeMs ?? 165 * 60_000;
  const jitter = opts.jitterMs ?? 15 * 60_000;
  const gap = opts.minGapMs ?? 2 * 60_000;
  const seed = opts.seed ?? '';
  const out = new Map<string, number>();
  for (const u of [...units].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    let t = u.connectedAt + maxAge - Math.floor((fnv1a(`${seed}|${u.id}`) / 2 ** 32) * jitter);
    const peerTimes = peersOf(u.id)
      .map((p) => out.get(p))
      .filter((x): x is number => x !== undefined);
    for (let guard = 0; guard <= peerTimes.length; guard++) {
      const clash = peerTimes.find((pt) => Math.abs(pt - t) < gap);
      if (clash === undefined) break;
      t = Math.min(t, clash) - gap;
    }
    out.set(u.id, t);
  }
  return out;
}
