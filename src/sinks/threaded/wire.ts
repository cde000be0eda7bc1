/**
 * How records cross the thread boundary cheaply. Structured cloning walks every object: an
 * array of SinkRecord objects (with their headers objects) cost the main thread about 30 µs per
 * record at 2 000 signals/s. So records go to the thread as one flat array of strings and
 * numbers, numbered in sending order, and come back in events by that number alone; only a
 * record the main thread never sent (recovered from the spool, or spooled in spill mode, where
 * it is read back from disk) comes back whole.
 */
import type { SinkRecord } from '../ports.js';

/** A record in the thread: its number from the main thread, or -1 when read from the spool. */
export interface Item {
  readonly seq: number;
  readonly record: SinkRecord;
}

/** What an event names a record by: its number, or the record itself when it has none. */
export type RecordRef = number | SinkRecord;

export const refOf = (item: Item): RecordRef => (item.seq >= 0 ? item.seq : item.record);

/** Records as [id, key, value, createdAt, headerCount, k1, v1, ...] one after another. */
export function packRecords(records: readonly SinkRecord[]): (string | number)[] {
  const out: (string | number)[] = [];
  for (const r of records) {
    const h = Object.entries(r.headers);
    out.push(r.id, r.key, r.value, r.createdAt, h.length);
    for (const [k, v] of h) out.push(k, v);
  }
  return out;
}

/** The items of packRecords' output, numbered from `first`. */
export function unpackRecords(flat: readonly (string | number)[], first: number): Item[] {
  const items: Item[] = [];
  let i = 0;
  let seq = first;
  while (i < flat.length) {
    const id = flat[i++] as string;
    const key = flat[i++] as string;
    const value = flat[i++] as string;
    const createdAt = flat[i++] as number;
    const n = flat[i++] as number;
    const headers: Record<string, string> = {};
    for (let h = 0; h < n; h++) headers[flat[i++] as string] = flat[i++] as string;
    items.push({ seq: seq++, record: { id, key, value, headers, createdAt } });
  }
  return items;
}

/** The spool keeps the record as a DurableQueue of SinkRecord would (same files either way). */
export const encodeItem = (item: Item): string => JSON.stringify(item.record);
export const decodeItem = (line: string): Item => ({ seq: -1, record: JSON.parse(line) as SinkRecord });
