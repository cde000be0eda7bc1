/**
 * The on-disk spool behind a DurableQueue: an append-only sequence of segment files
 * (`seg-<n>.log`, framing in framing.ts) plus a `cursor.json` that marks how far delivery
 * has been acknowledged. Appends are fsync'd per write batch, so records the queue reports as
 * spooled survive SIGKILL and power loss. Reads never move the cursor: the queue reads a
 * batch, delivers it, then commits, so an unacknowledged batch is re-read (at-least-once;
 * consumers dedupe on record ids). A new process always appends to a fresh segment, so a
 * torn tail left by a crash is never glued onto new data; it is skipped and counted.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SinkError, errorMessage } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import { appendWhole, openLineFile } from '../whole-lines.js';
import type { LineFileHandle, OpenLineFile } from '../whole-lines.js';
import { spoolDirError } from './dir-check.js';
import { encodeLine, parseLines } from './framing.js';
import { acquireSpoolLock, releaseSpoolLock } from './lock.js';

/** Read granularity; grows for a record bigger than this. */
const READ_CHUNK_BYTES = 1 << 20;
const SEGMENT_RE = /^seg-(\d{12})\.log$/;
const CURSOR_FILE = 'cursor.json';

export interface SpoolPosition {
  readonly segment: number;
  readonly offset: number;
}

export interface SpoolBatch {
  readonly payloads: readonly string[];
  /** Where each payload ends: commit `ends[i]` to acknowledge payloads 0..i alone. */
  readonly ends: readonly SpoolPosition[];
  /** Commit this to acknowledge the batch (and any damaged lines inside it). */
  readonly end: SpoolPosition;
  /** Damaged lines met for the first time while reading this batch. */
  readonly corrupt: number;
}

interface Segment {
  readonly index: number;
  readonly path: string;
  /** Bytes known to hold complete lines (active) or the file size (closed). */
  size: number;
  /** Valid records in this segment not yet committed. */
  records: number;
  closed: boolean;
}

export interface SpoolOptions {
  readonly dir: string;
  /** Rotate to a new segment past this size. Default 8 MiB. */
  readonly segmentBytes?: number;
  readonly logger: Logger;
  /** File-system port for segment appends (tests inject disk-full faults); default node:fs. */
  readonly openFile?: OpenLineFile;
}

export interface SpoolRecovery {
  readonly segments: number;
  readonly records: number;
  readonly bytes: number;
}

const segName = (index: number): string => `seg-${String(index).padStart(12, '0')}.log`;

export class Spool {
  private readonly segments: Segment[] = [];
  private cursor: SpoolPosition = { segment: 0, offset: 0 };
  /** Furthest position whose damaged lines were already counted, so re-reads don't recount. */
  private countedThrough: SpoolPosition = { segment: 0, offset: 0 };
  private active: { seg: Segment; handle: LineFileHandle } | null = null;
  private nextIndex = 1;
  private closed = false;
  private recovery: SpoolRecovery = { segments: 0, records: 0, bytes: 0 };
  private readonly segmentBytes: number;
  private readonly logger: Logger;
  private readonly openFile: OpenLineFile;

  private constructor(
    private readonly dir: string,
    options: SpoolOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
    this.logger = options.logger;
    this.openFile = options.openFile ?? openLineFile;
  }

  /** Open (creating) the spool directory and recover what a previous process left. */
  static async open(options: SpoolOptions): Promise<Spool> {
    const spool = new Spool(options.dir, options);
    try {
      await mkdir(options.dir, { recursive: true });
      await acquireSpoolLock(options.dir);
    } catch (err) {
      if (err instanceof SinkError) throw err; // SPOOL_LOCKED
      throw await spoolDirError(options.dir, err);
    }
    await spool.recover();
    return spool;
  }

  /** What open() found from a previous process (pending records are delivered first). */
  get recovered(): SpoolRecovery {
    return this.recovery;
  }

  /** Records on disk not yet acknowledged. */
  get records(): number {
    let n = 0;
    for (const s of this.segments) n += s.records;
    return n;
  }

  /** Bytes on disk not yet acknowledged (damaged lines included). */
  get bytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    const first = this.segments[0];
    if (first && first.index === this.cursor.segment) n -= this.cursor.offset;
    return Math.max(0, n);
  }

  get isEmpty(): boolean {
    return this.bytes === 0;
  }

  /**
   * Append payloads as one write and fsync it; they are durable when this resolves. Resolves
   * where they end: commit it to acknowledge them (and everything before them).
   */
  async append(payloads: readonly string[]): Promise<SpoolPosition> {
    if (this.closed) throw new SinkError('SINK_WRITE', `spool ${this.dir} is closed`);
    if (payloads.length === 0) return this.cursor;
    const buf = Buffer.concat(payloads.map(encodeLine));
    const active = await this.activeSegment();
    try {
      active.seg.size = await appendWhole(active.handle, buf, active.seg.size, true);
    } catch (cause) {
      // appendWhole cut the partial batch back off, so the segment still ends in whole lines
      // and stays in use. If even that failed, close the segment at its real size: the reader
      // skips the torn tail by its checksum, and the retry goes to a fresh segment.
      if ((cause as { truncated?: boolean }).truncated !== true) await this.closeActive(true);
      throw new SinkError('SINK_WRITE', `spool append failed in ${this.dir}: ${errorMessage(cause)}`, {
        cause,
        retriable: true,
      });
    }
    active.seg.records += payloads.length;
    const end = { segment: active.seg.index, offset: active.seg.size };
    if (active.seg.size >= this.segmentBytes) await this.closeActive(false);
    return end;
  }

  /** Up to `max` records from the acknowledged position, without moving it. */
  async read(max: number): Promise<SpoolBatch> {
    const payloads: string[] = [];
    const ends: SpoolPosition[] = [];
    let corrupt = 0;
    let pos = this.cursor;
    for (const seg of this.segments) {
      if (payloads.length >= max) break;
      if (seg.index < pos.segment) continue;
      let offset = seg.index === pos.segment ? pos.offset : 0;
      let chunk = READ_CHUNK_BYTES;
      while (offset < seg.size && payloads.length < max) {
        const len = Math.min(chunk, seg.size - offset);
        const buf = await readRange(seg.path, offset, len);
        const atEof = seg.closed && offset + len >= seg.size;
        const parsed = parseLines(buf, atEof, max - payloads.length);
        if (parsed.consumed === 0) {
          if (offset + len >= seg.size) break; // active segment: a line still being written
          chunk *= 2; // one record larger than the chunk
          continue;
        }
        for (const r of parsed.records) {
          payloads.push(r.payload);
          ends.push({ segment: seg.index, offset: offset + r.end });
        }
        for (const end of parsed.corruptEnds) {
          if (this.isBeyondCounted(seg.index, offset + end)) corrupt++;
        }
        offset += parsed.consumed;
      }
      pos = { segment: seg.index, offset };
      if (offset < seg.size) break;
    }
    if (corrupt > 0) this.countedThrough = pos;
    return { payloads, ends, end: pos, corrupt };
  }

  /** Acknowledge everything before `end` (`records` valid records): persist, drop old segments. */
  async commit(end: SpoolPosition, records: number): Promise<void> {
    let left = records;
    for (const s of this.segments) {
      if (s.index > end.segment || left === 0) break;
      const take = Math.min(s.records, left);
      s.records -= take;
      left -= take;
    }
    this.cursor = end;
    await writeAtomic(join(this.dir, CURSOR_FILE), JSON.stringify(end));
    while (this.segments.length > 0) {
      const first = this.segments[0];
      if (!first || first.index >= end.segment) break;
      if (this.active?.seg === first) break;
      this.segments.shift();
      await rm(first.path, { force: true });
    }
    const head = this.segments[0];
    if (head && head.index === end.segment && head.closed && end.offset >= head.size) {
      this.segments.shift();
      await rm(head.path, { force: true });
    }
  }

  /** Everything was delivered: delete all files so an idle spool costs nothing. */
  async reset(): Promise<void> {
    await this.closeActive(false);
    for (const s of this.segments.splice(0)) await rm(s.path, { force: true });
    await rm(join(this.dir, CURSOR_FILE), { force: true });
    this.cursor = { segment: this.nextIndex, offset: 0 };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeActive(false);
    await releaseSpoolLock(this.dir);
  }

  private isBeyondCounted(segment: number, offset: number): boolean {
    const c = this.countedThrough;
    return segment > c.segment || (segment === c.segment && offset > c.offset);
  }

  private async activeSegment(): Promise<{ seg: Segment; handle: LineFileHandle }> {
    if (this.active) return this.active;
    const index = this.nextIndex++;
    const path = join(this.dir, segName(index));
    const handle = await this.openFile(path);
    await syncDir(this.dir);
    const seg: Segment = { index, path, size: 0, records: 0, closed: false };
    this.segments.push(seg);
    this.active = { seg, handle };
    return this.active;
  }

  private async closeActive(useRealSize: boolean): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = null;
    active.seg.closed = true;
    try {
      if (useRealSize) active.seg.size = (await active.handle.stat()).size;
      await active.handle.close();
    } catch (err) {
      this.logger.warn({ err, path: active.seg.path }, 'spool segment close failed');
    }
  }

  private async recover(): Promise<void> {
    const cursorText = await readFile(join(this.dir, CURSOR_FILE), 'utf8').catch(() => null);
    if (cursorText !== null) {
      const parsed = parseCursor(cursorText);
      if (parsed) this.cursor = parsed;
      else
        this.logger.warn(
          { dir: this.dir, code: 'SPOOL_CORRUPT' },
          'spool cursor damaged: re-reading all segments',
        );
    }
    const indexes = (await readdir(this.dir))
      .map((name) => SEGMENT_RE.exec(name)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const index of indexes) {
      const path = join(this.dir, segName(index));
      if (index < this.cursor.segment) {
        await rm(path, { force: true }); // acknowledged before the crash, delete was pending
        continue;
      }
      const size = (await stat(path)).size;
      const from = index === this.cursor.segment ? this.cursor.offset : 0;
      const records =
        from < size ? parseLines(await readRange(path, from, size - from), true).records.length : 0;
      this.segments.push({ index, path, size, records, closed: true });
    }
    this.nextIndex = Math.max(this.cursor.segment, indexes.at(-1) ?? 0) + 1;
    this.recovery = { segments: this.segments.length, records: this.records, bytes: this.bytes };
  }
}

function parseCursor(text: string): SpoolPosition | null {
  try {
    const v = JSON.parse(text) as { segment?: unknown; offset?: unknown };
    if (Number.isSafeInteger(v.segment) && Number.isSafeInteger(v.offset)) {
      return { segment: v.segment as number, offset: v.offset as number };
    }
  } catch {
    // fall through: damaged cursor
  }
  return null;
}

async function readRange(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every platform can fsync a directory; the segment's own fsync still holds.
  }
}
