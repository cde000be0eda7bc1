/**
 * Connection rotations through the RotationCoordinator (make-before-break, never two peers
 * at once): degraded-listener reconnects requested by ListenerHealth, and planned rotations
 * before the server's ~3 h `Expired` close (docs/hyperliquid-protocol.md §1.6), timed per connection by
 * plannedRotationTimes so the two connections of an influencer never expire together. A
 * replacement that does not come up in time falls back to a plain reconnect of the old socket.
 */
import type { Clock, Logger } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import type { RotationCoordinator } from './failover/index.js';
import { plannedRotationTimes } from './failover/index.js';
import type { ManagedConnection } from './managed-connection.js';
import type { ListenerManagerEvents, RotationTuning } from './types.js';

export interface RotationDriverOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly coordinator: RotationCoordinator;
  readonly connections: () => Iterable<ManagedConnection>;
  readonly peersOf: (connectionId: string) => readonly string[];
  readonly tuning: RotationTuning;
  readonly emit: (e: ListenerManagerEvents['rotation']) => void;
}

export class RotationDriver {
  private readonly rotating = new Set<string>();
  private readonly abort = new AbortController();

  constructor(private readonly o: RotationDriverOptions) {}

  isRotating(connectionId: string): boolean {
    return this.rotating.has(connectionId);
  }

  /** Replace `mc`'s socket once the coordinator allows it. Never rejects. */
  async rotate(mc: ManagedConnection, reason: string, planned: boolean): Promise<void> {
    if (this.rotating.has(mc.id) || this.abort.signal.aborted) return;
    this.rotating.add(mc.id);
    this.o.emit({ connectionId: mc.id, phase: 'started', reason, planned });
    try {
      const permit = await this.o.coordinator.acquire(mc.id, reason, this.abort.signal);
      try {
        await mc.replace(this.o.tuning.replacementTimeoutMs ?? 30_000);
        this.o.emit({
          connectionId: mc.id,
          phase: 'completed',
          reason,
          planned,
          waitedMs: permit.waitedMs,
          override: permit.override,
        });
        permit.release();
      } catch (err) {
        // The old socket is untouched: reconnect it in place; the unit comes back up (markUp)
        // when its subscriptions are re-acked.
        this.o.logger.warn({ err, connection: mc.id, reason }, 'replacement failed; reconnecting in place');
        this.o.emit({ connectionId: mc.id, phase: 'failed', reason, planned, error: errorMessage(err) });
        mc.forceReconnect();
      }
    } catch (err) {
      if (!this.abort.signal.aborted) {
        this.o.emit({ connectionId: mc.id, phase: 'failed', reason, planned, error: errorMessage(err) });
      }
    } finally {
      this.rotating.delete(mc.id);
    }
  }

  /** Starts planned rotations that are due (called periodically). */
  checkPlanned(): void {
    const maxAgeMs = this.o.tuning.maxAgeMs ?? 165 * 60_000;
    if (maxAgeMs <= 0 || this.abort.signal.aborted) return;
    const units: { id: string; connectedAt: number }[] = [];
    const byId = new Map<string, ManagedConnection>();
    for (const mc of this.o.connections()) {
      if (mc.openedAt === null) continue;
      units.push({ id: mc.id, connectedAt: mc.openedAt });
      byId.set(mc.id, mc);
    }
    const times = plannedRotationTimes(units, this.o.peersOf, {
      maxAgeMs,
      ...(this.o.tuning.jitterMs !== undefined ? { jitterMs: this.o.tuning.jitterMs } : {}),
      ...(this.o.tuning.minGapMs !== undefined ? { minGapMs: this.o.tuning.minGapMs } : {}),
    });
    const now = this.o.clock.now();
    for (const [id, at] of times) {
      const mc = byId.get(id);
      if (!mc || at > now || this.rotating.has(id) || !mc.isOpen()) continue;
      void this.rotate(mc, 'planned-expiry', true);
    }
  }

  close(): void {
    this.abort.abort();
  }
}
