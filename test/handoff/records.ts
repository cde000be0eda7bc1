/** Hand-off records numbered per influencer, for the hand-off conformance suite and the Kafka tests. */
import { dec } from '../../src/core/index.js';
import type { Address } from '../../src/core/index.js';
import type { HandoffRecord } from '../../src/handoff/index.js';

const USER = '0x2222222222222222222222222222222222222222' as Address;

/** Record n of `influencerId`: alternates fills and position snapshots, with awkward decimals. */
export function numbered(influencerId: string, n: number): HandoffRecord {
  if (n % 2 === 0) {
    return {
      kind: 'positions',
      influencerId,
      listenerId: `${influencerId}/primary`,
      receivedAt: n,
      user: USER,
      time: n,
      positions: { BTC: `${n}.000000000000000001` },
    };
  }
  return {
    kind: 'fills',
    influencerId,
    listenerId: `${influencerId}/secondary`,
    receivedAt: n,
    fills: [
      {
        eventId: `${influencerId}-${n}`,
        user: USER,
        coin: 'BTC',
        side: 'B',
        px: dec('97012.123456789012345678'),
        sz: dec(`0.${String(n).padStart(12, '0')}1`),
        time: n,
        startPosition: dec('-99999999999.99999999'),
        dir: 'Open Long',
        tid: n,
        oid: n,
        hash: null,
        crossed: true,
        fee: '0.01',
        closedPnl: '0',
        liquidation: null,
        twapId: null,
        source: {
          listenerId: `${influencerId}/secondary`,
          listenerKind: 'user-stream',
          delivery: 'live',
          receivedAt: n,
        },
      },
    ],
  };
}

/** The number a numbered() record carries. */
export const numberOf = (r: HandoffRecord): number => r.receivedAt;
