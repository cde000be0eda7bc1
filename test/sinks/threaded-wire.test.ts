// Records to the sink thread as one flat array, back by number: nothing lost on the way, and
// the spool written from the thread is the one a DurableQueue of SinkRecord writes.
import { describe, expect, it } from 'vitest';
import type { SinkRecord } from '../../src/sinks/index.js';
import { decodeItem, encodeItem, packRecords, refOf, unpackRecords } from '../../src/sinks/threaded/wire.js';

const records: SinkRecord[] = [
  {
    id: 'a',
    key: 'inf-1|BTC',
    value: '{"n":1}',
    headers: { 'schema-version': '1', 'trace-id': 't1' },
    createdAt: 5,
  },
  { id: 'b', key: 'inf-2|ETH', value: 'not json, "quoted"', headers: {}, createdAt: 6.5 },
  { id: 'c', key: '', value: '', headers: { only: '' }, createdAt: 0 },
];

describe('the sink thread wire format', () => {
  it('unpacks what was packed, in order, numbered from the first number', () => {
    const flat = structuredClone(packRecords(records));
    expect(flat.every((x) => typeof x === 'string' || typeof x === 'number')).toBe(true);
    const items = unpackRecords(flat, 41);
    expect(items.map((i) => i.seq)).toEqual([41, 42, 43]);
    expect(items.map((i) => i.record)).toEqual(records);
    expect(unpackRecords(packRecords([]), 0)).toEqual([]);
  });

  it('names a record by its number, or whole when it came from the spool', () => {
    const [item] = unpackRecords(packRecords(records.slice(0, 1)), 7);
    expect(refOf(item as never)).toBe(7);
    const fromSpool = decodeItem(encodeItem(item as never));
    expect(fromSpool.seq).toBe(-1);
    expect(refOf(fromSpool)).toEqual(records[0]);
  });

  it('spools exactly what a DurableQueue of SinkRecord would', () => {
    const [item] = unpackRecords(packRecords(records.slice(1, 2)), 0);
    expect(encodeItem(item as never)).toBe(JSON.stringify(records[1]));
  });
});
