/**
 * The durable dedup store port (M0 §5) and its memory adapter. The pipeline asks `seen` before
 * it appends and calls `remember` only after the event log acknowledged, so a crash between the
 * two replays the event (the log's own idempotency then drops it) instead of losing it.
 */
import { IdSet } from '../../core/index.js';

export interface DedupStore {
  readonly kind: string;
  /** One answer per id, in order. */
  seen(ids: readonly string[]): Promise<readonly boolean[]>;
  remember(ids: readonly string[]): Promise<void>;
  /** Bytes of process memory it holds (0 for a remote store). */
  readonly memoryBytes: number;
  close(): Promise<void>;
}

export class MemoryDedupStore implements DedupStore {
  readonly kind = 'memory';
  private readonly ids = new IdSet(1 << 16);

  seen(ids: readonly string[]): Promise<readonly boolean[]> {
    return Promise.resolve(ids.map((id) => this.ids.has(id)));
  }

  remember(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.ids.add(id);
    return Promise.resolve();
  }

  get memoryBytes(): number {
    return this.ids.bytes;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
