/**
 * Memory in front of a shared store (Redis). A memory hit is a duplicate with no round trip;
 * a memory miss is remembered in memory at once (so the other listener's copy, arriving while
 * the remote answer is in flight, is a memory hit) and then asked of the remote store, whose
 * atomic set-if-absent decides across instances and restarts.
 *
 * Remote down or slow (error, or no answer within `remoteTimeoutMs`): the batch is decided
 * by memory alone (its misses count as first arrivals), a `degraded` event is emitted once,
 * and the remote is bypassed for `retryAfterMs` before the next probe; a successful probe
 * emits `recovered`. So the pipeline is never blocked longer than the timeout and never drops
 * an event: the price of an outage is that a restart or a second instance may re-emit ids
 * seen during it (positions detect a repeated fill through the startPosition chain).
 */
import type { Clock, Logger } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import type { DedupStore, RemoteDedupStore } from './dedup-store.js';
import { TypedEmitter } from '../core/index.js';
import type { MemoryDedupStore } from './memory-dedup-store.js';

export interface LayeredDedupStoreOptions {
  readonly memory: MemoryDedupStore;
  readonly remote: RemoteDedupStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** TTL sent to the remote store (default: the memory store's ttlMs). */
  readonly remoteTtlMs?: number;
  /** Longest wait for a remote answer before deciding from memory (default 250 ms). */
  readonly remoteTimeoutMs?: number;
  /** How long to bypass the remote after a failure before probing again (default 1000 ms). */
  readonly retryAfterMs?: number;
}

export interface LayeredDedupEvents {
  [k: string]: unknown;
  degraded: { readonly reason: string; readonly at: number };
  recovered: { readonly at: number; readonly downMs: number };
  /** A batch decided by memory only (remote bypassed or failed). */
  memoryOnly: { readonly ids: number };
}

class RemoteTimeout extends Error {}

export class LayeredDedupStore implements DedupStore {
  readonly events: TypedEmitter<LayeredDedupEvents>;
  private readonly memory: MemoryDedupStore;
  private readonly remote: RemoteDedupStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly remoteTtlMs: number;
  private readonly remoteTimeoutMs: number;
  private readonly retryAfterMs: number;
  private degradedSince: number | null = null;
  private bypassUntil = 0;
  private closing: Promise<void> | null = null;

  constructor(opts: LayeredDedupStoreOptions) {
    this.memory = opts.memory;
    this.remote = opts.remote;
    this.clock = opts.clock;
    this.logger = opts.logger.child({ component: 'fanin.dedup' });
    this.remoteTtlMs = opts.remoteTtlMs ?? opts.memory.ttlMs;
    this.remoteTimeoutMs = opts.remoteTimeoutMs ?? 250;
    this.retryAfterMs = opts.retryAfterMs ?? 1000;
    this.events = new TypedEmitter((err, ev) =>
      this.logger.error({ err, event: ev }, 'dedup event listener threw'),
    );
  }

  get degraded(): boolean {
    return this.degradedSince !== null;
  }

  claim(ids: readonly string[], now: number): readonly boolean[] | Promise<readonly boolean[]> {
    const local = this.memory.claim(ids, now);
    const missIdx: number[] = [];
    for (let i = 0; i < local.length; i++) if (local[i]) missIdx.push(i);
    if (missIdx.length === 0) return local;
    if (this.degradedSince !== null && this.clock.now() < this.bypassUntil) {
      this.events.emit('memoryOnly', { ids: missIdx.length });
      return local;
    }
    return this.askRemote(ids, local, missIdx);
  }

  close(): Promise<void> {
    this.closing ??= Promise.allSettled([this.remote.close(), this.memory.close()]).then(() => undefined);
    return this.closing;
  }

  private async askRemote(
    ids: readonly string[],
    local: boolean[],
    missIdx: number[],
  ): Promise<readonly boolean[]> {
    const missIds = missIdx.map((i) => ids[i] as string);
    let timer: { cancel(): void } | undefined;
    try {
      const answer = await Promise.race([
        this.remote.claim(missIds, this.remoteTtlMs),
        new Promise<never>((_, reject) => {
          timer = this.clock.setTimeout(
            () => reject(new RemoteTimeout('remote dedup timed out')),
            this.remoteTimeoutMs,
          );
        }),
      ]);
      if (answer.length !== missIds.length)
        throw new Error(`remote answered ${answer.length} of ${missIds.length} ids`);
      for (let j = 0; j < missIdx.length; j++) local[missIdx[j] as number] = answer[j] === true;
      this.markUp();
      return local;
    } catch (err) {
      this.markDown(
        err instanceof RemoteTimeout ? `timeout after ${this.remoteTimeoutMs} ms` : errorMessage(err),
      );
      this.events.emit('memoryOnly', { ids: missIdx.length });
      return local;
    } finally {
      timer?.cancel();
    }
  }

  private markDown(reason: string): void {
    const at = this.clock.now();
    this.bypassUntil = at + this.retryAfterMs;
    if (this.degradedSince !== null) return;
    this.degradedSince = at;
    this.logger.warn({ reason }, 'shared dedup store unavailable: deciding from memory only');
    this.events.emit('degraded', { reason, at });
  }

  private markUp(): void {
    if (this.degradedSince === null) return;
    const at = this.clock.now();
    const downMs = at - this.degradedSince;
    this.degradedSince = null;
    this.logger.info({ downMs }, 'shared dedup store recovered');
    this.events.emit('recovered', { at, downMs });
  }
}
