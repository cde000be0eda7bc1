/**
 * The file EventLog adapter (local/dev, M0 §9 and §14): one directory per partition of
 * append-only segments with a sparse index. Appends are idempotent by event_id across the
 * whole log: an IdSet of every id written is rebuilt by scanning on open, so re-running the
 * same input appends nothing. `fsync: batch` makes each append durable before it resolves;
 * `flush` leaves it to flush()/close() (the page cache still has it if only the process dies).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IdSet, SinkError } from '../../core/index.js';
import { FilePartition } from './file-partition.js';
import type {
  AppendRequest,
  AppendResult,
  EventLog,
  LogRecord,
  ReadOptions,
  RetentionPolicy,
} from './port.js';
import { retentionCutoff } from './retention.js';
import { partitionDirName, partitionFromDirName } from './segment-format.js';

export interface FileEventLogOptions {
  readonly dir: string;
  readonly segmentBytes: number;
  readonly indexIntervalRecords: number;
  readonly fsync: 'batch' | 'flush';
}

export class FileEventLog implements EventLog {
  private readonly partitionsByName = new Map<string, FilePartition>();
  private readonly ids = new IdSet(1 << 16);
  private closed = false;

  private constructor(private readonly options: FileEventLogOptions) {}

  /** Opens (creating the directory) and recovers every partition. */
  static open(options: FileEventLogOptions): FileEventLog {
    const log = new FileEventLog(options);
    mkdirSync(options.dir, { recursive: true });
    for (const d of readdirSync(options.dir)) {
      if (!statSync(join(options.dir, d)).isDirectory()) continue;
      log.partition(partitionFromDirName(d));
    }
    return log;
  }

  /** Ids held for idempotency (for memory reports). */
  get idCount(): number {
    return this.ids.size;
  }

  get idBytes(): number {
    return this.ids.bytes;
  }

  private partition(name: string): FilePartition {
    let p = this.partitionsByName.get(name);
    if (p === undefined) {
      p = new FilePartition(name, join(this.options.dir, partitionDirName(name)), this.options);
      p.open((f) => this.ids.add(f.eventId));
      this.partitionsByName.set(name, p);
    }
    return p;
  }

  append(batch: readonly AppendRequest[]): Promise<readonly AppendResult[]> {
    try {
      return Promise.resolve(this.appendSync(batch));
    } catch (e) {
      return Promise.reject(
        e instanceof SinkError
          ? e
          : new SinkError('SINK_WRITE', `file event log append failed`, { cause: e, retriable: true }),
      );
    }
  }

  /** The synchronous core (the bench and the local runner call it without a promise per batch). */
  appendSync(batch: readonly AppendRequest[]): AppendResult[] {
    this.assertOpen();
    const results: AppendResult[] = new Array<AppendResult>(batch.length);
    const groups = new Map<string, { idx: number[]; recs: AppendRequest[] }>();
    batch.forEach((r, i) => {
      if (!this.ids.add(r.eventId)) {
        results[i] = { partition: r.partition, offset: -1, duplicate: true };
        return;
      }
      let g = groups.get(r.partition);
      if (g === undefined) groups.set(r.partition, (g = { idx: [], recs: [] }));
      g.idx.push(i);
      g.recs.push(r);
    });
    for (const [name, g] of groups) {
      const p = this.partition(name);
      const first = p.append(g.recs);
      g.idx.forEach((i, k) => (results[i] = { partition: name, offset: first + k, duplicate: false }));
      if (this.options.fsync === 'batch') p.sync();
    }
    return results;
  }

  read(partition: string, options: ReadOptions = {}): Promise<readonly LogRecord[]> {
    return this.guard(
      () =>
        this.partitionsByName.get(partition)?.read(options.fromOffset ?? 0, options.maxRecords ?? 1000) ?? [],
    );
  }

  offsetForTime(partition: string, timestampMs: number): Promise<number> {
    return this.guard(() => this.partitionsByName.get(partition)?.offsetForTime(timestampMs) ?? 0);
  }

  partitions(): Promise<readonly string[]> {
    return Promise.resolve([...this.partitionsByName.keys()].sort());
  }

  endOffset(partition: string): Promise<number> {
    return Promise.resolve(this.partitionsByName.get(partition)?.endOffset ?? 0);
  }

  startOffset(partition: string): Promise<number> {
    return Promise.resolve(this.partitionsByName.get(partition)?.startOffset ?? 0);
  }

  /** Deletes whole segments below each partition's cut (ids of deleted records stay in the id set until restart). */
  async applyRetention(policy: RetentionPolicy, nowMs: number): Promise<void> {
    this.assertOpen();
    for (const [name, p] of this.partitionsByName)
      p.deleteBefore(await retentionCutoff(this, name, policy, nowMs));
  }

  flush(): Promise<void> {
    return this.guard(() => {
      for (const p of this.partitionsByName.values()) p.sync();
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const p of this.partitionsByName.values()) p.close();
    return Promise.resolve();
  }

  /** Runs synchronous work as a promise, so a closed log or an I/O error rejects instead of throwing. */
  private guard<T>(fn: () => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new SinkError('SINK_UNAVAILABLE', `file event log ${this.options.dir} is closed`);
  }
}
