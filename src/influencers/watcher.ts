/**
 * Live reload. The watcher keeps the last good influencer set and reloads it from its source
 * on a change notice, on a source reconnect and on a periodic reconcile (for lost notices).
 * Each reload is diffed against the last good set and emitted; the composition root applies
 * the diff (seed + subscribe added, unsubscribe + flush removed, re-plan changed).
 *
 * Failure rules: an invalid record is rejected (event + log naming the id and field) and its
 * last good version stays in force; the other records still update. A source that cannot be
 * read at all (Redis down, file unreadable) changes nothing: the last good set stays, a
 * `state` event says `unavailable`, and reloads keep trying until one succeeds.
 *
 * A source that answers with nothing at all (no records, none rejected) and without its version
 * counter, while we follow someone, has most likely been wiped: Redis restarted without
 * persistence, a failover to an empty replica, a flush. Emptying it on purpose through the CLI
 * advances the counter, so that case is told apart. A wiped source is not obeyed: the last good
 * set stays, the state is `suspect` and an error is logged, until records appear again (ops
 * re-import) or a committed change recreates the counter.
 */
import { errorMessage, silentLogger, systemClock } from '../core/index.js';
import type { Clock, Logger, TimerHandle } from '../core/index.js';
import { diffInfluencers, isEmptyDiff } from './diff.js';
import type { InfluencerDiff } from './diff.js';
import type { Influencer } from './model.js';
import type { ChangeReason, InfluencerSnapshot, InfluencerSource, RejectedRecord } from './source.js';

export type ReloadTrigger = 'initial' | 'reconcile' | 'retry' | ChangeReason;
/** `suspect`: readable but looks wiped (see the header); the last good set stays in force. */
export type SourceState = 'ok' | 'unavailable' | 'suspect';

export interface InfluencerWatcherEvents {
  /** The effective set changed. `current` is the whole new set. */
  change: { diff: InfluencerDiff; current: readonly Influencer[]; trigger: ReloadTrigger };
  /** A record failed validation; `kept` = its last good version stays in force. */
  rejected: RejectedRecord & { kept: boolean };
  /** The source became unreachable or suspect (wiped), or came back. */
  state: { state: SourceState; error?: string };
  /** Every completed reload, changed or not (for metrics). */
  reload: { trigger: ReloadTrigger; ok: boolean; durationMs: number; count: number };
}

type Listener<T> = (payload: T) => void;

export interface InfluencerWatcherOptions {
  readonly source: InfluencerSource;
  readonly reconcileIntervalMs: number;
  /** While the source is unavailable, reload this often (default: min(5 s, reconcile)). */
  readonly retryIntervalMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

const DEFAULT_RETRY_MS = 5000;

export class InfluencerWatcher {
  private readonly source: InfluencerSource;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly reconcileMs: number;
  private readonly retryMs: number;
  private readonly listeners: {
    [K in keyof InfluencerWatcherEvents]: Set<Listener<InfluencerWatcherEvents[K]>>;
  } = {
    change: new Set(),
    rejected: new Set(),
    state: new Set(),
    reload: new Set(),
  };
  private lastGood = new Map<string, Influencer>();
  private state: SourceState = 'ok';
  private running: Promise<void> | undefined;
  private pending: ReloadTrigger | undefined;
  private reconcileTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private loadedOnce = false;

  constructor(options: InfluencerWatcherOptions) {
    this.source = options.source;
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).child({
      component: 'influencers.watcher',
      source: options.source.name,
    });
    this.reconcileMs = options.reconcileIntervalMs;
    this.retryMs = options.retryIntervalMs ?? Math.min(DEFAULT_RETRY_MS, options.reconcileIntervalMs);
  }

  on<K extends keyof InfluencerWatcherEvents>(
    event: K,
    fn: Listener<InfluencerWatcherEvents[K]>,
  ): () => void {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  /** The last good set, sorted by id. */
  current(): readonly Influencer[] {
    return [...this.lastGood.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  sourceState(): SourceState {
    return this.state;
  }

  /**
   * Subscribes to changes, starts the reconcile timer and performs the first load. Resolves
   * with the first set, or with an empty set (state `unavailable`) when the source cannot be
   * read yet; the `change` event then delivers it once it can.
   */
  async start(): Promise<readonly Influencer[]> {
    this.unwatch = this.source.watch((hint) => this.trigger(hint.reason));
    this.reconcileTimer = this.clock.setInterval(() => this.trigger('reconcile'), this.reconcileMs);
    await this.reload('initial');
    return this.current();
  }

  /** Request a reload; concurrent requests coalesce into one follow-up reload. */
  trigger(reason: ReloadTrigger): void {
    if (this.closed) return;
    void this.reload(reason);
  }

  /** Reloads now (or after the one in flight). Never rejects. */
  reload(trigger: ReloadTrigger): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.pending = trigger;
      return this.running;
    }
    this.running = this.reloadOnce(trigger).finally(() => {
      this.running = undefined;
      const next = this.pending;
      this.pending = undefined;
      if (next !== undefined) this.trigger(next);
    });
    return this.running;
  }

  private async reloadOnce(trigger: ReloadTrigger): Promise<void> {
    const started = this.clock.now();
    try {
      const snap = await this.source.load();
      if (this.closed) return;
      this.retryTimer?.cancel();
      this.retryTimer = undefined;
      if (this.looksWiped(snap)) {
        this.holdWiped(trigger, started);
        return;
      }
      this.setState('ok');
      const next = new Map(snap.influencers.map((i) => [i.id, i]));
      for (const r of snap.rejected) {
        const previous = this.lastGood.get(r.id);
        // Keeping the old version must not steal an address a valid record now holds.
        const kept =
          previous !== undefined && ![...next.values()].some((i) => i.address === previous.address);
        if (kept) next.set(r.id, previous);
        this.log.warn(
          { influencer: r.id, issues: r.issues, kept },
          kept
            ? 'invalid influencer record; keeping its last good version'
            : 'invalid influencer record; skipped',
        );
        this.emit('rejected', { ...r, kept });
      }
      const diff = diffInfluencers(this.lastGood, next);
      this.lastGood = next;
      if (!isEmptyDiff(diff) || !this.loadedOnce) {
        this.loadedOnce = true;
        if (!isEmptyDiff(diff)) {
          this.log.info(
            { trigger, added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length },
            'influencers changed',
          );
        }
        this.emit('change', { diff, current: this.current(), trigger });
      }
      this.emit('reload', { trigger, ok: true, durationMs: this.clock.now() - started, count: next.size });
    } catch (e) {
      if (this.closed) return;
      this.setState('unavailable', errorMessage(e));
      this.log.warn({ err: e, trigger }, 'influencer source unavailable; keeping the last good set');
      this.emit('reload', {
        trigger,
        ok: false,
        durationMs: this.clock.now() - started,
        count: this.lastGood.size,
      });
      this.retryTimer ??= this.clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.trigger('retry');
      }, this.retryMs);
    }
  }

  private looksWiped(snap: InfluencerSnapshot): boolean {
    return (
      this.lastGood.size > 0 &&
      snap.influencers.length === 0 &&
      snap.rejected.length === 0 &&
      snap.version === null
    );
  }

  private holdWiped(trigger: ReloadTrigger, started: number): void {
    const why =
      `the source has no influencers and no version counter (restarted without persistence or flushed?); ` +
      `keeping the last good set of ${this.lastGood.size} until influencers are written again`;
    // Logged once per episode; the regular reloads keep checking (a CLI write also notifies).
    if (this.state !== 'suspect') {
      this.log.error(
        { trigger, kept: this.lastGood.size },
        `influencer source returned no influencers: ${why}`,
      );
    }
    this.setState('suspect', why);
    this.emit('reload', {
      trigger,
      ok: false,
      durationMs: this.clock.now() - started,
      count: this.lastGood.size,
    });
  }

  private setState(state: SourceState, error?: string): void {
    if (state === this.state && state === 'ok') return;
    const changed = state !== this.state;
    this.state = state;
    if (changed) this.emit('state', error === undefined ? { state } : { state, error });
  }

  private emit<K extends keyof InfluencerWatcherEvents>(event: K, payload: InfluencerWatcherEvents[K]): void {
    for (const fn of this.listeners[event]) {
      try {
        fn(payload);
      } catch (e) {
        this.log.error({ err: e, event }, 'influencer watcher listener threw');
      }
    }
  }

  /** Stops timers and the subscription and closes the source. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.reconcileTimer?.cancel();
      this.retryTimer?.cancel();
      this.unwatch?.();
      await this.running?.catch(() => undefined);
      await this.source.close();
    })();
    return this.closing;
  }
}
