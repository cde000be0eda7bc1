/** Raw fill events shared by the file and ClickHouse replay tests. */
import type { RawEvent } from '../../src/core/index.js';
import { USER, fill } from './helpers.js';
import type { FillSpec } from './helpers.js';

export function raw(spec: FillSpec, listenerId = 'inf-1/primary'): RawEvent {
  const f = fill(spec);
  return {
    influencerId: 'inf-1',
    user: USER,
    market: f.coin,
    eventType: 'fill',
    eventId: f.eventId,
    listenerId,
    eventTime: f.time,
    ingestTime: f.time + 5,
    payload: JSON.stringify({
      coin: f.coin,
      px: f.px.toFixed(),
      sz: f.sz.toFixed(),
      side: f.side,
      time: f.time,
      startPosition: f.startPosition?.toFixed(),
      dir: f.dir,
      tid: f.tid,
      oid: f.oid,
      hash: '0x' + '0'.repeat(64),
      crossed: true,
      fee: '0.1',
      closedPnl: '0',
      twapId: null,
    }),
  };
}

export const specs: FillSpec[] = [
  { side: 'B', sz: '0.4', px: '100', time: 1000, start: '1', tid: 1, dir: 'Open Long' },
  { side: 'B', sz: '0.6', px: '101', time: 1000, start: '1.4', tid: 2, dir: 'Open Long' },
  { side: 'A', sz: '3', px: '99', time: 2000, start: '2', tid: 3, dir: 'Long > Short' },
  { coin: 'xyz:TSLA', side: 'A', sz: '5', px: '250', time: 2000, start: '0', tid: 4, dir: 'Open Short' },
  { side: 'B', sz: '1', px: '98', time: 3000, start: '-1', tid: 5, dir: 'Close Short' },
];
