/**
 * One partition of the file event log: its segments, sparse index, appends and reads. File I/O
 * is synchronous on purpose: one writer owns the partition, a batch is one write() call, and
 * sync calls keep ordering trivially correct without a queue (the bench measures the cost).
 */
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { SinkError } from '../../core/index.js';
import type { LogRecord } from './port.js';
import { decodeFrame, encodeIndexEntry, frameLength, segmentName, writeFrame } from './segment-format.js';
import type { DecodedFrame, IndexEntry } from './segment-format.js';

export interface FilePartitionOptions {
  readonly segmentBytes: number;
  readonly indexIntervalRecords: number;
}

interface Segment {
  readonly base: number;
  size: number;
  records: number;
  readonly index: IndexEntry[];
}

const READ_CHUNK = 1 << 20;

export class FilePartition {
  private readonly segments: Segment[] = [];
  private fd: number | null = null;
  private idxFd: number | null = null;
  private nextOffset = 0;
  private maxTimestampMs = 0;

  constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly options: FilePartitionOptions,
  ) {}

  get endOffset(): number {
    return this.nextOffset;
  }

  /** Scans every segment (calling `onRecord` for each, to rebuild the id set), truncates a torn tail, rebuilds indexes. */
  open(onRecord: (f: DecodedFrame) => void): void {
    mkdirSync(this.dir, { recursive: true });
    const bases = readdirSync(this.dir)
      .filter((f) => /^\d{20}\.log$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    for (const base of bases) {
      const buf = readFileSync(join(this.dir, segmentName(base, 'log')));
      const seg: Segment = { base, size: 0, records: 0, index: [] };
      let pos = 0;
      for (let f = decodeFrame(buf, pos); f !== null; f = decodeFrame(buf, pos)) {
        if (f.offset !== base + seg.records) {
          throw new SinkError(
            'SPOOL_CORRUPT',
            `event log ${this.name}: offset ${f.offset} where ${base + seg.records} was expected`,
          );
        }
        this.maxTimestampMs = Math.max(this.maxTimestampMs, f.timestampMs);
        if (seg.records % this.options.indexIntervalRecords === 0) {
          seg.index.push({ rel: seg.records, position: pos, maxTimestampMs: this.maxTimestampMs });
        }
        onRecord(f);
        seg.records++;
        pos += f.length;
      }
      seg.size = pos;
      if (pos !== buf.length) {
        // A torn tail from a crash mid-write: the frames before it are whole and acknowledged.
        const fd = openSync(join(this.dir, segmentName(base, 'log')), 'r+');
        ftruncateSync(fd, pos);
        closeSync(fd);
      }
      writeFileSync(
        join(this.dir, segmentName(base, 'idx')),
        Buffer.concat(seg.index.map((e) => encodeIndexEntry(e.rel, e.position, e.maxTimestampMs))),
      );
      this.segments.push(seg);
      this.nextOffset = base + seg.records;
    }
    if (this.segments.length === 0) this.segments.push({ base: 0, size: 0, records: 0, index: [] });
    this.openActive();
  }

  private get active(): Segment {
    const s = this.segments[this.segments.length - 1];
    if (s === undefined) throw new SinkError('SINK_UNAVAILABLE', `event log ${this.name} is not open`);
    return s;
  }

  private openActive(): void {
    const seg = this.active;
    this.fd = openSync(join(this.dir, segmentName(seg.base, 'log')), 'a');
    this.idxFd = openSync(join(this.dir, segmentName(seg.base, 'idx')), 'a');
  }

  private roll(): void {
    this.sync();
    this.closeFds();
    this.segments.push({ base: this.nextOffset, size: 0, records: 0, index: [] });
    this.openActive();
  }

  /** Appends records in order; returns the first offset used. One buffer and one write() per segment touched. */
  append(records: readonly { eventId: string; timestampMs: number; bytes: Uint8Array }[]): number {
    const first = this.nextOffset;
    let from = 0;
    while (from < records.length) {
      // How many fit in the active segment (at least one: an empty segment takes any record).
      let seg = this.active;
      let size = 0;
      let to = from;
      while (to < records.length) {
        const len = frameLength((records[to] as { bytes: Uint8Array }).bytes.length);
        if ((seg.records > 0 || to > from) && seg.size + size + len > this.options.segmentBytes) break;
        size += len;
        to++;
      }
      if (to === from) {
        this.roll();
        continue;
      }
      seg = this.active;
      const buf = Buffer.allocUnsafe(size);
      const idx: Buffer[] = [];
      let pos = 0;
      for (let k = from; k < to; k++) {
        const r = records[k] as { eventId: string; timestampMs: number; bytes: Uint8Array };
        this.maxTimestampMs = Math.max(this.maxTimestampMs, r.timestampMs);
        if (seg.records % this.options.indexIntervalRecords === 0) {
          const entry = { rel: seg.records, position: seg.size + pos, maxTimestampMs: this.maxTimestampMs };
          seg.index.push(entry);
          idx.push(encodeIndexEntry(entry.rel, entry.position, entry.maxTimestampMs));
        }
        writeFrame(buf, pos, this.nextOffset, r.timestampMs, r.eventId, r.bytes);
        pos += frameLength(r.bytes.length);
        seg.records++;
        this.nextOffset++;
      }
      writeSync(this.fd as number, buf);
      if (idx.length > 0)
        writeSync(this.idxFd as number, idx.length === 1 ? (idx[0] as Buffer) : Buffer.concat(idx));
      seg.size += size;
      from = to;
    }
    return first;
  }

  read(fromOffset: number, maxRecords: number): LogRecord[] {
    const out: LogRecord[] = [];
    let si = this.segmentFor(fromOffset);
    if (si < 0) return out;
    let seg = this.segments[si] as Segment;
    let pos = positionFor(seg, fromOffset);
    while (out.length < maxRecords) {
      if (pos >= seg.size) {
        si++;
        if (si >= this.segments.length) break;
        seg = this.segments[si] as Segment;
        pos = 0;
        continue;
      }
      const buf = this.readAt(seg, pos, Math.min(seg.size - pos, READ_CHUNK));
      let p = 0;
      let progressed = false;
      for (let f = decodeFrame(buf, p); f !== null && out.length < maxRecords; f = decodeFrame(buf, p)) {
        progressed = true;
        p += f.length;
        if (f.offset >= fromOffset) {
          out.push({
            partition: this.name,
            offset: f.offset,
            eventId: f.eventId,
            timestampMs: f.timestampMs,
            bytes: Buffer.from(f.bytes),
          });
        }
      }
      if (!progressed) {
        // A frame larger than the chunk: read exactly it.
        const header = this.readAt(seg, pos, 4);
        const whole = this.readAt(seg, pos, 8 + header.readUInt32BE(0));
        const f = decodeFrame(whole, 0);
        if (f === null)
          throw new SinkError('SPOOL_CORRUPT', `event log ${this.name}: bad frame at ${seg.base}:${pos}`);
        if (f.offset >= fromOffset) {
          out.push({
            partition: this.name,
            offset: f.offset,
            eventId: f.eventId,
            timestampMs: f.timestampMs,
            bytes: Buffer.from(f.bytes),
          });
        }
        p = f.length;
      }
      pos += p;
    }
    return out;
  }

  /** See EventLog.offsetForTime. */
  offsetForTime(timestampMs: number): number {
    // Index entries carry the running max timestamp, so the first entry reaching t bounds the search.
    let from = 0;
    let running = 0;
    outer: for (const seg of this.segments) {
      for (const e of seg.index) {
        if (e.maxTimestampMs >= timestampMs) break outer;
        from = seg.base + e.rel;
        running = e.maxTimestampMs;
      }
    }
    for (;;) {
      const batch = this.read(from, 4096);
      if (batch.length === 0) return this.nextOffset;
      for (const r of batch) {
        running = Math.max(running, r.timestampMs);
        if (running >= timestampMs) return r.offset;
      }
      from = (batch[batch.length - 1] as LogRecord).offset + 1;
    }
  }

  /** The first offset still stored. */
  get startOffset(): number {
    const first = this.segments[0];
    return first === undefined || first.records === 0 ? this.nextOffset : first.base;
  }

  /**
   * Retention: deletes whole closed segments lying entirely below `cutoff` (the active segment
   * always stays, so up to one segment more than asked may remain).
   */
  deleteBefore(cutoff: number): void {
    while (this.segments.length > 1 && (this.segments[1] as Segment).base <= cutoff) {
      const seg = this.segments.shift() as Segment;
      rmSync(join(this.dir, segmentName(seg.base, 'log')), { force: true });
      rmSync(join(this.dir, segmentName(seg.base, 'idx')), { force: true });
    }
  }

  sync(): void {
    if (this.fd !== null) fsyncSync(this.fd);
    if (this.idxFd !== null) fsyncSync(this.idxFd);
  }

  close(): void {
    this.sync();
    this.closeFds();
  }

  private closeFds(): void {
    if (this.fd !== null) closeSync(this.fd);
    if (this.idxFd !== null) closeSync(this.idxFd);
    this.fd = null;
    this.idxFd = null;
  }

  private segmentFor(offset: number): number {
    if (offset >= this.nextOffset) return -1;
    for (let i = this.segments.length - 1; i >= 0; i--)
      if ((this.segments[i] as Segment).base <= offset) return i;
    return 0;
  }

  private readAt(seg: Segment, pos: number, len: number): Buffer {
    const fd = openSync(join(this.dir, segmentName(seg.base, 'log')), 'r');
    try {
      const buf = Buffer.allocUnsafe(len);
      const n = readSync(fd, buf, 0, len, pos);
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }
}

function positionFor(seg: Segment, offset: number): number {
  let pos = 0;
  for (const e of seg.index) {
    if (seg.base + e.rel > offset) break;
    pos = e.position;
  }
  return pos;
}
