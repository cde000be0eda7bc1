/**
 * In distributed mode the processor runs no listeners: it flags an influencer's signals degraded
 * from the listener-state records the two listener groups publish. A slot that says it is
 * unhealthy, or goes silent for 3 intervals (its process died), makes the influencer degraded;
 * a slot never heard from only counts once the influencer has been tracked that long.
 */
import { describe, expect, it } from 'vitest';
import { ListenerLiveness, SILENT_INTERVALS } from '../../src/app/listener-liveness.js';
import type { HandoffListenerState } from '../../src/handoff/index.js';
import { ManualClock } from '../kit/index.js';

const INTERVAL = 1000;
const STALE = SILENT_INTERVALS * INTERVAL;

function setup() {
  const clock = new ManualClock(0);
  const changes: [string, boolean][] = [];
  const l = new ListenerLiveness({ clock, intervalMs: INTERVAL, onChange: (id, d) => changes.push([id, d]) });
  const state = (role: 'primary' | 'secondary', healthy: boolean, id = 'inf-1'): HandoffListenerState => ({
    kind: 'listener-state',
    influencerId: id,
    listenerId: `${id}/${role}`,
    receivedAt: clock.now(),
    role,
    healthy,
    state: healthy ? 'subscribed' : 'reconnecting (stall)',
  });
  return { clock, changes, l, state };
}

describe('ListenerLiveness', () => {
  it('both slots healthy and heard from: not degraded; one says unhealthy: degraded until it recovers', () => {
    const { changes, l, state } = setup();
    l.observe(state('primary', true));
    l.observe(state('secondary', true));
    expect(l.isDegraded('inf-1')).toBe(false);
    l.observe(state('secondary', false));
    expect(l.isDegraded('inf-1')).toBe(true);
    l.observe(state('secondary', false)); // no flip, no second notice
    l.observe(state('secondary', true));
    expect(changes).toEqual([
      ['inf-1', true],
      ['inf-1', false],
    ]);
  });

  it('a slot silent for 3 intervals is lost (its process died); its next state brings the influencer back', () => {
    const { clock, changes, l, state } = setup();
    l.observe(state('primary', true));
    l.observe(state('secondary', true));
    // The secondary keeps publishing; the primary's process is gone.
    for (let t = 0; t < SILENT_INTERVALS; t++) {
      clock.advance(INTERVAL);
      l.observe(state('secondary', true));
      l.sweep();
    }
    expect(clock.now()).toBe(STALE);
    expect(changes).toEqual([['inf-1', true]]);
    l.observe(state('primary', true));
    expect(changes).toEqual([
      ['inf-1', true],
      ['inf-1', false],
    ]);
  });

  it('a slot never heard from is not counted before 3 intervals of tracking (start-up, takeover), then is', () => {
    const { clock, changes, l, state } = setup();
    l.observe(state('primary', true));
    clock.advance(STALE - 1);
    l.observe(state('primary', true));
    l.sweep();
    expect(l.isDegraded('inf-1')).toBe(false);
    clock.advance(1);
    l.sweep();
    expect(changes).toEqual([['inf-1', true]]);
    // Other influencers are judged on their own; a forgotten one is no longer swept.
    l.observe(state('primary', true, 'inf-2'));
    l.observe(state('secondary', true, 'inf-2'));
    l.forget('inf-1');
    clock.advance(1);
    l.sweep();
    expect(l.isDegraded('inf-1')).toBe(false);
    expect(changes).toEqual([['inf-1', true]]);
  });
});
