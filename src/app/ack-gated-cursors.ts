/**
 * A CursorStore wrapper that never lets a persisted cursor run ahead of the sink.
 *
 * The position engine advances a cursor once a signal is *enqueued*; the signal may still sit
 * in memory when the process is killed. Persisting that cursor would make a restart skip the
 * fills behind the lost signal. So per (influencer, market) we track the signal ids enqueued
 * but not yet acknowledged by the sink, and hold the newest cursor until that set is empty.
 * A crash then resumes from an older cursor and re-derives the unacknowledged signals with
 * the same deterministic ids (consumers dedupe on signalId).
 */
import type { Logger } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import type { Cursor, CursorStore } from '../positions/index.js';

const keyOf = (influencerId: string, market: string): string => `${influencerId}|${market}`;

export class AckGatedCursorStore implements CursorStore {
  /** key -> signal ids enqueued and not yet acknowledged. */
  private readonly outstanding = new Map<string, Set<string>>();
  /** signal id -> key, to find the key when an ack arrives. */
  private readonly keyOfSignal = new Map<string, string>();
  /** key -> newest cursor waiting for its signals' acks. */
  private readonly held = new Map<string, { influencerId: string; market: string; cursor: Cursor }>();
  private readonly log: Logger;

  constructor(
    private readonly inner: CursorStore,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'app.cursors' });
  }

  /** Call before enqueueing a signal for (influencer, market). */
  signalEnqueued(influencerId: string, market: string, signalId: string): void {
    const key = keyOf(influencerId, market);
    let set = this.outstanding.get(key);
    if (!set) this.outstanding.set(key, (set = new Set()));
    set.add(signalId);
    this.keyOfSignal.set(signalId, key);
  }

  /** Call with the ids the sink acknowledged (or that were shed: nothing to wait for). */
  signalsAcknowledged(signalIds: readonly string[]): void {
    for (const id of signalIds) {
      const key = this.keyOfSignal.get(id);
      if (key === undefined) continue;
      this.keyOfSignal.delete(id);
      const set = this.outstanding.get(key);
      set?.delete(id);
      if (set && set.size === 0) {
        this.outstanding.delete(key);
        const held = this.held.get(key);
        if (held) {
          this.held.delete(key);
          this.persist(held.influencerId, held.market, held.cursor);
        }
      }
    }
  }

  /** Signals enqueued and not yet acknowledged, over all keys. */
  get pending(): number {
    return this.keyOfSignal.size;
  }

  get(influencerId: string, market: string): Promise<Cursor | undefined> {
    const held = this.held.get(keyOf(influencerId, market));
    return held ? Promise.resolve(held.cursor) : this.inner.get(influencerId, market);
  }

  set(influencerId: string, market: string, cursor: Cursor): Promise<void> {
    const key = keyOf(influencerId, market);
    if (this.outstanding.has(key)) {
      this.held.set(key, { influencerId, market, cursor });
      return Promise.resolve();
    }
    return this.inner.set(influencerId, market, cursor);
  }

  async list(influencerId: string): Promise<Map<string, Cursor>> {
    const out = await this.inner.list(influencerId);
    for (const h of this.held.values()) if (h.influencerId === influencerId) out.set(h.market, h.cursor);
    return out;
  }

  delete(influencerId: string): Promise<void> {
    for (const [key, h] of this.held) if (h.influencerId === influencerId) this.held.delete(key);
    return this.inner.delete(influencerId);
  }

  private persist(influencerId: string, market: string, cursor: Cursor): void {
    this.inner.set(influencerId, market, cursor).catch((err: unknown) => {
      // The next cursor of this key retries; an older persisted cursor only means more replay.
      this.log.warn({ err, influencer: influencerId, market }, `cursor write failed: ${errorMessage(err)}`);
    });
  }
}
