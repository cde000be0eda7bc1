/** The in-process hand-off: synchronous, zero-copy delivery; early records kept; late ones counted. */
import { describe, expect, it } from 'vitest';
import type { HandoffDelivery, HandoffRecord } from '../../src/handoff/index.js';
import { createInProcessHandoff, isNoopAck } from '../../src/handoff/index.js';

const fills = (listenerId: string): HandoffRecord => ({
  kind: 'fills',
  influencerId: 'inf-1',
  listenerId,
  receivedAt: 1,
  fills: [],
});

describe('in-process hand-off', () => {
  it('delivers each published record synchronously, as the same object, with a no-op ack', async () => {
    const h = createInProcessHandoff();
    const got: HandoffDelivery[] = [];
    await h.source.start((d) => got.push(d));
    const r = fills('inf-1/primary');
    h.sink.publish(r);
    // Synchronous: delivered before publish() returned.
    expect(got).toHaveLength(1);
    expect(got[0]?.records).toHaveLength(1);
    expect(got[0]?.records[0]).toBe(r);
    expect(got[0] && isNoopAck(got[0])).toBe(true);
    got[0]?.ack();
    await h.sink.flush();
  });

  it('keeps records published before start and delivers them in order at start', async () => {
    const h = createInProcessHandoff();
    h.sink.publish(fills('a'));
    h.sink.publish(fills('b'));
    const seen: string[] = [];
    await h.source.start((d) => {
      for (const r of d.records) seen.push(r.listenerId);
    });
    h.sink.publish(fills('c'));
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('counts records published after close instead of delivering them', async () => {
    const h = createInProcessHandoff();
    const seen: string[] = [];
    await h.source.start((d) => {
      for (const r of d.records) seen.push(r.listenerId);
    });
    h.sink.publish(fills('before'));
    expect(seen).toEqual(['before']);
    await h.source.close();
    h.sink.publish(fills('after'));
    expect(seen).toEqual(['before']);
    expect(h.sink.dropped).toBe(1);
  });
});
