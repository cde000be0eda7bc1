import { describe, expect, it } from 'vitest';
import { SignalStages } from '../../src/app/signal-stages.js';
import type { FillEvent } from '../../src/core/index.js';
import type { Signal } from '../../src/positions/index.js';

const fillOf = (eventId: string): FillEvent => ({ eventId }) as FillEvent;
const signalOf = (signalId: string, ids: string[], timestamp = 1_700_000_000_000): Signal =>
  ({ signalId, sourceEventIds: ids, timestamp }) as unknown as Signal;

describe('SignalStages', () => {
  it('times a signal from its earliest receipt and its last fan-in exit to the ack', () => {
    let t = 0;
    const s = new SignalStages(() => t);
    t = 1;
    s.received([fillOf('a')]);
    t = 2;
    s.received([fillOf('b'), fillOf('a')]); // a second copy of a does not move its receipt
    t = 3;
    s.leftFanIn([fillOf('a')]);
    t = 4;
    s.leftFanIn([fillOf('b')]);
    t = 4.5;
    s.derived(signalOf('S', ['a', 'b'], 1_700_000_000_123));
    t = 5;
    s.enqueued('S');
    t = 9;
    expect(s.acknowledged(['S', 'unknown'])).toEqual([
      { blockTime: 1_700_000_000_123, receipt: 1, faninOut: 4, derived: 4.5, enqueued: 5, acked: 9 },
    ]);
    expect(s.acknowledged(['S'])).toEqual([]);
  });

  it('forgets a signal that will never be acknowledged, and one with no receipt is not timed', () => {
    const s = new SignalStages(() => 1);
    s.received([fillOf('a')]);
    s.leftFanIn([fillOf('a')]);
    s.derived(signalOf('S', ['a']));
    s.enqueued('S');
    s.dropped('S');
    s.derived(signalOf('R', ['never-received']));
    s.enqueued('R');
    expect(s.acknowledged(['S', 'R'])).toEqual([]);
  });
});
