/**
 * ListenerDirectory lookups, the by-user index in particular: the manager asks it on every
 * listener state change, so it must answer from the current plan alone (a rebuild drops
 * what the previous plan had) and in the plan's order.
 */
import { describe, expect, it } from 'vitest';
import { ListenerDirectory } from '../../src/listeners/directory.js';
import type { InfluencerAssignment, ListenerPlan } from '../../src/listeners/planner.js';

const A = `0x${'a'.repeat(40)}`;
const B = `0x${'B'.repeat(40)}`;

function plan(assignments: InfluencerAssignment[]): ListenerPlan {
  return { connections: [], assignments, capacity: [], unplaced: [], warnings: [], disabled: [] };
}

const on = (connectionId: string, kind: 'user-stream' | 'market-stream' = 'user-stream') => ({
  connectionId,
  pool: 'p',
  kind,
});

describe('ListenerDirectory', () => {
  it('lists a user’s listeners across connections and influencers, from the current plan only', () => {
    const d = new ListenerDirectory();
    d.rebuild(
      plan([
        {
          influencerId: 'i1',
          address: A,
          priority: 0,
          primary: on('c1'),
          secondary: on('c2', 'market-stream'),
        },
        { influencerId: 'i2', address: B, priority: 0, primary: on('c1'), secondary: null },
        {
          influencerId: 'i3',
          address: A.toUpperCase().replace('0X', '0x'),
          priority: 0,
          primary: on('c3'),
          secondary: null,
        },
      ]),
    );
    expect(d.listenersOfUser(A).map((r) => r.id)).toEqual(['i1/primary', 'i1/secondary', 'i3/primary']);
    expect(d.listenersOfUser(B.toLowerCase()).map((r) => `${r.id}@${r.connectionId}`)).toEqual([
      'i2/primary@c1',
    ]);
    expect(d.listenersOfUser(`0x${'c'.repeat(40)}`)).toEqual([]);
    // The answer is a copy: a caller cannot change the index.
    d.listenersOfUser(A).pop();
    expect(d.listenersOfUser(A)).toHaveLength(3);

    d.rebuild(plan([{ influencerId: 'i2', address: B, priority: 0, primary: on('c9'), secondary: null }]));
    expect(d.listenersOfUser(A)).toEqual([]);
    expect(d.listenersOfUser(B.toLowerCase()).map((r) => `${r.id}@${r.connectionId}`)).toEqual([
      'i2/primary@c9',
    ]);
  });

  it('answers a listener id planned twice once, as get() does (the last entry wins)', () => {
    const d = new ListenerDirectory();
    d.rebuild(
      plan([
        { influencerId: 'i1', address: A, priority: 0, primary: on('c1'), secondary: null },
        { influencerId: 'i1', address: A, priority: 0, primary: on('c2'), secondary: null },
      ]),
    );
    expect(d.listenersOfUser(A)).toEqual([d.get('i1/primary')]);
    expect(d.get('i1/primary')?.connectionId).toBe('c2');
  });
});
