/** DeliveryAcks: a durable hand-off's delivery is acked once every fill copy it carried settled. */
import { describe, expect, it } from 'vitest';
import { DeliveryAcks } from '../../src/app/delivery-acks.js';
import type { FillEvent } from '../../src/core/index.js';

const fill = (eventId: string, time: number, listenerId = 'inf-1/primary'): FillEvent =>
  ({ eventId, time, coin: 'BTC', source: { listenerId } }) as unknown as FillEvent;
const cursor = (time: number, eventIdsAtTime: string[] = []) => ({
  time,
  eventId: eventIdsAtTime.at(-1) ?? '',
  eventIdsAtTime,
  position: '0',
});

describe('DeliveryAcks', () => {
  it('acks once the cursor covering its fills is persisted, not before', () => {
    const acks = new DeliveryAcks();
    let acked = 0;
    const d = acks.begin(() => acked++);
    const fills = [fill('a', 10), fill('b', 20)];
    acks.claim(d, fills);
    acks.handedIn(d);
    acks.reachedEngine('inf-1', 'BTC', fills);
    acks.cursorPersisted('inf-1', 'BTC', cursor(10, ['a']));
    expect(acked).toBe(0);
    expect(acks.pending).toBe(1);
    acks.cursorPersisted('inf-1', 'BTC', cursor(20, ['b']));
    expect(acked).toBe(1);
    expect(acks.pending).toBe(0);
    expect(acks.acknowledged).toBe(1);
  });

  it('a fill at the cursor time settles only when the cursor lists it', () => {
    const acks = new DeliveryAcks();
    let acked = 0;
    const d = acks.begin(() => acked++);
    const fills = [fill('a', 10), fill('b', 10)];
    acks.claim(d, fills);
    acks.handedIn(d);
    acks.reachedEngine('inf-1', 'BTC', fills);
    acks.cursorPersisted('inf-1', 'BTC', cursor(10, ['a']));
    expect(acked).toBe(0);
    acks.cursorPersisted('inf-1', 'BTC', cursor(10, ['a', 'b']));
    expect(acked).toBe(1);
  });

  it('a suppressed duplicate copy settles at once; the first copy waits for its cursor', () => {
    const acks = new DeliveryAcks();
    const order: string[] = [];
    const first = acks.begin(() => order.push('first'));
    const second = acks.begin(() => order.push('second'));
    acks.claim(first, [fill('a', 10, 'inf-1/primary')]);
    acks.handedIn(first);
    acks.claim(second, [fill('a', 10, 'inf-1/secondary')]);
    acks.handedIn(second);
    acks.copyDone('a', 'inf-1/secondary');
    expect(order).toEqual(['second']);
    acks.reachedEngine('inf-1', 'BTC', [fill('a', 10)]);
    acks.cursorPersisted('inf-1', 'BTC', cursor(11));
    expect(order).toEqual(['second', 'first']);
  });

  it('absorbed fills, removed influencers and held positions records settle too', () => {
    const acks = new DeliveryAcks();
    let acked = 0;
    const d = acks.begin(() => acked++);
    acks.claim(d, [fill('a', 10), fill('b', 11)]);
    acks.hold(d); // a positions record waiting for its reconcile
    acks.handedIn(d);
    acks.reachedEngine('inf-1', 'BTC', [fill('a', 10), fill('b', 11)]);
    acks.absorbed('inf-1', 'BTC', 'a');
    acks.influencerRemoved('inf-1');
    expect(acked).toBe(0);
    acks.release(d);
    expect(acked).toBe(1);
  });

  it('a delivery without fills is acked when handed in', () => {
    const acks = new DeliveryAcks();
    let acked = 0;
    acks.handedIn(acks.begin(() => acked++));
    expect(acked).toBe(1);
  });
});
