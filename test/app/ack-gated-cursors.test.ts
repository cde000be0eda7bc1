import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { MemoryCursorStore, type Cursor } from '../../src/positions/index.js';
import { AckGatedCursorStore } from '../../src/app/ack-gated-cursors.js';

const cursor = (time: number, position: string): Cursor => ({
  time,
  eventId: `e${time}`,
  eventIdsAtTime: [`e${time}`],
  position,
});

describe('AckGatedCursorStore', () => {
  it('holds a cursor until every signal enqueued before it for that key is acknowledged', async () => {
    const inner = new MemoryCursorStore();
    const gated = new AckGatedCursorStore(inner, silentLogger);
    const writes = vi.spyOn(inner, 'set');
    gated.signalEnqueued('inf', 'BTC', 's1');
    gated.signalEnqueued('inf', 'BTC', 's2');
    await gated.set('inf', 'BTC', cursor(1, '1'));
    await gated.set('inf', 'BTC', cursor(2, '3'));
    expect(await inner.get('inf', 'BTC')).toBeUndefined();
    // The engine still sees its own newest cursor.
    expect((await gated.get('inf', 'BTC'))?.time).toBe(2);

    gated.signalsAcknowledged(['s1']);
    expect(gated.pending).toBe(1); // the ack was taken
    expect(writes).not.toHaveBeenCalled(); // a write starts synchronously on the last ack
    expect(await inner.get('inf', 'BTC')).toBeUndefined();

    gated.signalsAcknowledged(['s2']);
    expect(writes).toHaveBeenCalledTimes(1);
    await writes.mock.results[0]?.value;
    expect((await inner.get('inf', 'BTC'))?.position).toBe('3');
    expect(gated.pending).toBe(0);
  });

  it('writes through at once when nothing is outstanding for the key, and keys are independent', async () => {
    const inner = new MemoryCursorStore();
    const gated = new AckGatedCursorStore(inner, silentLogger);
    gated.signalEnqueued('inf', 'ETH', 'x');
    await gated.set('inf', 'BTC', cursor(5, '-2'));
    expect((await inner.get('inf', 'BTC'))?.position).toBe('-2');
    await gated.set('inf', 'ETH', cursor(6, '1'));
    expect(await inner.get('inf', 'ETH')).toBeUndefined();
    expect((await gated.list('inf')).get('ETH')?.time).toBe(6);
  });

  it('ignores acknowledgements of unknown ids and forgets held cursors of a removed influencer', async () => {
    const inner = new MemoryCursorStore();
    const gated = new AckGatedCursorStore(inner, silentLogger);
    const writes = vi.spyOn(inner, 'set');
    gated.signalsAcknowledged(['nope']);
    gated.signalEnqueued('inf', 'BTC', 's1');
    await gated.set('inf', 'BTC', cursor(1, '1'));
    await gated.delete('inf');
    gated.signalsAcknowledged(['s1']);
    expect(gated.pending).toBe(0); // the ack was taken
    expect(writes).not.toHaveBeenCalled(); // and wrote nothing: a write starts synchronously
    expect(await inner.get('inf', 'BTC')).toBeUndefined();
  });
});
