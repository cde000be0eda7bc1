/**
 * ListenerLiveness: the processor's view of an influencer's two listeners in distributed mode,
 * from the `listener-state` records the listener processes publish (on each change and every
 * `intervalMs`). An influencer is degraded while a slot's last state was unhealthy, or a slot
 * has been silent for 3 intervals (its process died, its group is rebalancing). A slot never
 * heard from counts as silent only once the influencer has been tracked for 3 intervals, so a
 * processor starting up or taking over a partition does not flag everyone before the first
 * round of states has arrived. onChange fires only when the flag flips.
 */
import type { Clock } from '../core/index.js';
import type { HandoffListenerState } from '../handoff/index.js';

const ROLES = ['primary', 'secondary'] as const;
/** A slot silent for this many intervals is taken as lost. */
export const SILENT_INTERVALS = 3;

interface Tracked {
  readonly since: number;
  readonly slots: Partial<Record<(typeof ROLES)[number], { healthy: boolean; at: number }>>;
  degraded: boolean;
}

export class ListenerLiveness {
  private readonly tracked = new Map<string, Tracked>();
  private readonly staleMs: number;

  constructor(
    private readonly o: {
      readonly clock: Clock;
      readonly intervalMs: number;
      readonly onChange: (influencerId: string, degraded: boolean) => void;
    },
  ) {
    this.staleMs = SILENT_INTERVALS * o.intervalMs;
  }

  observe(s: HandoffListenerState): void {
    const now = this.o.clock.now();
    let t = this.tracked.get(s.influencerId);
    if (!t) this.tracked.set(s.influencerId, (t = { since: now, slots: {}, degraded: false }));
    t.slots[s.role] = { healthy: s.healthy, at: now };
    this.evaluate(s.influencerId, t, now);
  }

  /** Re-reads every influencer against the clock (call every interval): silent slots turn it degraded. */
  sweep(): void {
    const now = this.o.clock.now();
    for (const [id, t] of this.tracked) this.evaluate(id, t, now);
  }

  /** The influencer is no longer followed (or no longer on this processor). */
  forget(influencerId: string): void {
    this.tracked.delete(influencerId);
  }

  isDegraded(influencerId: string): boolean {
    return this.tracked.get(influencerId)?.degraded ?? false;
  }

  private evaluate(id: string, t: Tracked, now: number): void {
    const degraded = ROLES.some((role) => {
      const slot = t.slots[role];
      if (!slot) return now - t.since >= this.staleMs;
      return !slot.healthy || now - slot.at >= this.staleMs;
    });
    if (degraded === t.degraded) return;
    t.degraded = degraded;
    this.o.onChange(id, degraded);
  }
}
