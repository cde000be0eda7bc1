/**
 * An insert's rows as JSONEachRow text, encoded a slice per event-loop turn. The raw-events
 * batch is thousands of rows (5 000 by default, a second's worth at 2 000 signals/s); encoded
 * in one go, as the client does with an array, it held the pipeline's thread for tens of
 * milliseconds once a second, and every frame that arrived meanwhile waited (the e2e bench's
 * "frames sent -> derived" p99 doubled with ClickHouse on). Between slices, pending socket
 * reads run; the request body is the same bytes, sent as one insert.
 */
import { Readable } from 'node:stream';

/** Rows per slice: about a millisecond of encoding for raw-event rows. */
export const ROWS_PER_SLICE = 250;

export function jsonEachRowSlices(rows: readonly unknown[], rowsPerSlice: number = ROWS_PER_SLICE): Readable {
  let next = 0;
  let scheduled = false;
  const stream = new Readable({
    read() {
      // One slice per turn: a read the stream asks for again in the same turn waits for it.
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        if (stream.destroyed) return;
        const end = Math.min(rows.length, next + rowsPerSlice);
        let text = '';
        let i = next;
        try {
          for (; i < end; i++) text += `${JSON.stringify(rows[i])}\n`;
        } catch (err) {
          stream.destroy(
            new Error(`row ${i} of the insert cannot be encoded as JSON: ${(err as Error).message}`),
          );
          return;
        }
        next = end;
        if (text !== '') stream.push(text);
        if (next >= rows.length) stream.push(null);
      });
    },
  });
  return stream;
}
