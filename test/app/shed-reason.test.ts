/** The reason label of a shed record: what it was, so a flood of one kind shows as that kind. */
import { describe, expect, it } from 'vitest';
import { shedReason } from '../../src/app/metrics-wiring.js';
import { deadLetterToRawEvent } from '../../src/sinks/index.js';

describe('shedReason', () => {
  it('labels dead letters by reason, raw events by type, and signals as signal', () => {
    const letter = {
      reason: 'future_time' as const,
      detail: 'd',
      listenerId: 'l',
      channel: 'userFills',
      receivedAt: 1,
      payload: '{}',
    };
    expect(shedReason(letter)).toBe('future_time');
    expect(shedReason(deadLetterToRawEvent(letter, 2))).toBe('future_time');
    expect(
      shedReason({
        influencerId: 'i',
        user: 'u',
        market: 'BTC',
        eventType: 'fill',
        eventId: 'e',
        listenerId: 'l',
        eventTime: 1,
        ingestTime: 2,
        payload: '{}',
      }),
    ).toBe('fill');
    expect(shedReason({ id: 's', key: 'k', value: '{}', headers: {}, createdAt: 1 })).toBe('signal');
  });
});
