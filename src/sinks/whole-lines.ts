/**
 * Whole-line appends for the line files on disk (local NDJSON sinks, spool segments): a write
 * either lands completely or the file is cut back to the size it had before, so a full disk
 * never leaves half a line for the next record to be glued onto. A torn tail a crash left
 * (no newline at the end) is cut off when the file is opened again. The file handle is a
 * narrow port so tests can inject short writes and ENOSPC without a real full disk.
 */
import { open } from 'node:fs/promises';

/** What the line files need of a file handle (node's FileHandle satisfies it). */
export interface LineFileHandle {
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  sync(): Promise<void>;
  truncate(len: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/** Opens a file for appending (created if missing) and reading back its tail. */
export type OpenLineFile = (path: string) => Promise<LineFileHandle>;

export const openLineFile: OpenLineFile = (path) => open(path, 'a+');

const NEWLINE = 0x0a;
const TAIL_CHUNK = 64 * 1024;

/**
 * Writes all of `buf` at the end of a file whose complete lines end at `goodSize`. A short
 * write is continued (the kernel may write part of a buffer when space runs out); if any part
 * fails, the file is truncated back to `goodSize` and the error is rethrown with
 * `truncated` telling whether that worked. Returns the new size.
 */
export async function appendWhole(
  handle: LineFileHandle,
  buf: Buffer,
  goodSize: number,
  fsync: boolean,
): Promise<number> {
  try {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await handle.write(buf, done, buf.length - done, null);
      if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
      done += bytesWritten;
    }
    if (fsync) await handle.sync();
    return goodSize + buf.length;
  } catch (err) {
    const truncated = await handle.truncate(goodSize).then(
      () => true,
      () => false,
    );
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { truncated });
  }
}

/**
 * Cuts a torn last line (bytes after the last newline) off an append-only line file and
 * returns the size that remains and how many bytes were cut. A file of whole lines is left
 * alone; so is an empty one.
 */
export async function repairTornTail(handle: LineFileHandle): Promise<{ size: number; cut: number }> {
  const size = (await handle.stat()).size;
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buf, 0, buf.length, start);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (nl >= 0) {
      const keep = start + nl + 1;
      if (keep < size) await handle.truncate(keep);
      return { size: keep, cut: size - keep };
    }
    end = start;
  }
  if (size > 0) await handle.truncate(0);
  return { size: 0, cut: size };
}
