/**
 * The Hyperliquid market-data connector: `trades`, `candle`, `bbo` and `activeAssetCtx` for the
 * configured coins over one HlWsConnection (the protocol layer's reconnecting client with its
 * heartbeat, stall watchdog, paced resubscribe and per-IP egress budget), closed candles made
 * loss-free by REST `candleSnapshot` catch-up (./candle-tracker.ts) through the protocol's
 * InfoClient and its per-IP weight budget, and `poll` over candleSnapshot for batch/hybrid
 * mode. Raw records are the frames' exact text (./records.ts); normalize is ./normalize.ts.
 * Budgets are injected so a process that also runs the ingester can share one per egress IP.
 */
import type { Clock, Logger } from '../../../core/index.js';
import { errorMessage, marketClass } from '../../../core/index.js';
import type { Candle, CandleInterval, Subscription } from '../../../protocol/index.js';
import {
  EgressBudget,
  HlWsConnection,
  InfoClient,
  InfoWeightBudget,
  candleBucket,
} from '../../../protocol/index.js';
import type { FetchLike, SocketConstructor, SocketOptions } from '../../../protocol/index.js';
import type {
  Connector,
  ConnectorCapabilities,
  ConnectorHealth,
  ConnectorState,
  NormalizeResult,
  PollResult,
  RawRecord,
  RawSink,
} from '../contract.js';
import { CandleTracker } from './candle-tracker.js';
import { normalizeHlMarket } from './normalize.js';
import type { HlMarketOptions } from './options.js';
import { closedCandleRecord, frameRecord, recoveredTradesRecord, type CandleVia } from './records.js';
import { TradeGap, tradesAfter } from './trade-gap.js';

/**
 * Shared per-egress-IP budgets and the egress route; private budgets and the default route are
 * used when none is given. A process that also runs the ingester passes one egress pool's
 * budgets, socket options and fetch here, so both halves are charged to the IP that pays.
 */
export interface HlMarketDeps {
  readonly egress?: EgressBudget;
  readonly infoBudget?: InfoWeightBudget;
  /** Proxy agent / local address of the egress pool. */
  readonly socket?: Pick<SocketOptions, 'agent' | 'localAddress'>;
  /** fetch that leaves through the same egress (the pool's InfoClient transport). */
  readonly fetch?: FetchLike;
  /** Socket implementation for tests; default `ws`. */
  readonly WebSocket?: SocketConstructor;
}

export interface HlMarketConnectorInit {
  readonly id: string;
  readonly version: string;
  readonly options: HlMarketOptions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly deps?: HlMarketDeps;
}

/** Events for metrics and tests (the contract's health() is the summary). */
export interface HlMarketObserver {
  onCatchUp?(info: { coin: string; interval: CandleInterval; start: number; closed: number }): void;
  onFinal?(info: { coin: string; interval: CandleInterval; openTime: number; via: CandleVia }): void;
  /** A `trades` catch-up after a reconnect: trades recovered, and whether the gap is fully covered. */
  onTradesCatchUp?(info: { coin: string; recovered: number; complete: boolean }): void;
}

const DATA_CHANNELS = new Set(['trades', 'candle', 'bbo', 'activeAssetCtx', 'activeSpotAssetCtx']);

export class HlMarketConnector implements Connector {
  readonly id: string;
  readonly version: string;
  readonly capabilities: ConnectorCapabilities;
  private readonly o: HlMarketOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly egress: EgressBudget;
  private readonly info: InfoClient;
  private readonly deps: HlMarketDeps;
  private state: ConnectorState = 'starting';
  private detail: string | undefined;
  private lastRecordAtMs: number | null = null;
  private errors = 0;
  private epoch = 0;
  private readonly trackers = new Map<string, CandleTracker>();
  observer: HlMarketObserver = {};

  constructor(init: HlMarketConnectorInit) {
    this.id = init.id;
    this.version = init.version;
    this.o = init.options;
    this.clock = init.clock;
    this.log = init.logger.child({ component: 'hl-market', connector: init.id });
    this.deps = init.deps ?? {};
    this.egress = this.deps.egress ?? new EgressBudget({ name: `${init.id}-egress`, clock: this.clock });
    const infoBudget =
      this.deps.infoBudget ?? new InfoWeightBudget({ name: `${init.id}-info`, clock: this.clock });
    this.info = new InfoClient({
      url: this.o.infoUrl,
      clock: this.clock,
      logger: this.log,
      weightBudget: infoBudget,
      ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
    });
    const perp = this.o.coins.some((c) => isPerp(c));
    this.capabilities = {
      streaming: true,
      polling: this.o.candles.intervals.length > 0,
      expectedLatencyMs: 500,
      rateLimits: { messagesPerMinute: 2000, weightPerMinute: infoBudget.limit },
      domains: [...new Set(this.o.coins.map(domainOf))],
      markets: [...this.o.coins],
    };
    if (!perp && this.o.feeds.assetCtx)
      this.log.info('no perp among the coins: activeAssetCtx (ASSET_CTX_V1) is not subscribed');
  }

  normalize(raw: RawRecord): NormalizeResult {
    return normalizeHlMarket(raw, { forming: this.o.candles.forming });
  }

  health(): ConnectorHealth {
    const degraded = [...this.trackers.values()].some((t) => t.degraded);
    const state = this.state === 'healthy' && degraded ? 'degraded' : this.state;
    return {
      state,
      ...(degraded ? { detail: 'candle catch-up failing' } : this.detail ? { detail: this.detail } : {}),
      lastRecordAtMs: this.lastRecordAtMs,
      errors: this.errors,
    };
  }

  /** The WS subscriptions this configuration needs. */
  subscriptions(): Subscription[] {
    const subs: Subscription[] = [];
    for (const coin of this.o.coins) {
      if (this.o.feeds.trades) subs.push({ type: 'trades', coin });
      if (this.o.feeds.bbo) subs.push({ type: 'bbo', coin });
      if (this.o.feeds.assetCtx && isPerp(coin)) subs.push({ type: 'activeAssetCtx', coin });
      for (const interval of this.o.candles.intervals) subs.push({ type: 'candle', coin, interval });
    }
    return subs;
  }

  async subscribe(sink: RawSink, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const uri = this.o.wsUrl;
    // Pushes are chained so a slow sink applies backpressure in arrival order.
    let chain: Promise<void> = Promise.resolve();
    const push = (raw: RawRecord): void => {
      this.lastRecordAtMs = raw.receivedAtMs;
      chain = chain.then(() => sink.push(raw)).catch((err: unknown) => this.fail(sink, err));
    };
    const startAt = this.clock.now() - this.o.candles.backfillMs;
    const tradeGap = new TradeGap();
    const tradeCatchUps = new Set<Promise<void>>();
    const recoverTrades = (coin: string): void => {
      const mark = tradeGap.mark(coin);
      if (mark === undefined) return;
      const p = this.info.recentTrades(coin, { signal }).then(
        (fetched) => {
          const { missed, complete } = tradesAfter(mark, fetched);
          if (missed.length > 0) push(recoveredTradesRecord(missed, this.clock.now(), this.o.infoUrl));
          if (!complete)
            this.log.warn(
              { coin, recovered: missed.length, since: mark.time },
              'trades lost while the socket was down: recentTrades does not reach back to the last trade seen',
            );
          this.observer.onTradesCatchUp?.({ coin, recovered: missed.length, complete });
          sink.catchUp?.({ channel: 'trades', recovered: missed.length, complete });
        },
        (err: unknown) => {
          if (!signal.aborted) this.fail(sink, err);
        },
      );
      tradeCatchUps.add(p);
      void p.finally(() => tradeCatchUps.delete(p));
    };
    for (const coin of this.o.coins)
      for (const interval of this.o.candles.intervals)
        this.trackers.set(
          seriesKey(coin, interval),
          new CandleTracker(
            {
              coin,
              interval,
              clock: this.clock,
              logger: this.log,
              closeGraceMs: this.o.candles.closeGraceMs,
              retryMs: this.o.candles.retryMs,
              epoch: () => this.epoch,
              fetch: (start, end) => this.info.candleSnapshot(coin, interval, start, end, { signal }),
              emit: (c, via) => {
                push(closedCandleRecord(c, via, this.clock.now(), via === 'ws' ? uri : this.o.infoUrl));
                this.observer.onFinal?.({ coin, interval, openTime: c.t, via });
              },
              onError: (err) => this.fail(sink, err),
              onCatchUp: (i) => {
                this.observer.onCatchUp?.({ coin, interval, ...i });
                sink.catchUp?.({ channel: 'candle', recovered: i.closed, complete: true });
              },
            },
            startAt,
          ),
        );

    // The exact text of the frame being parsed: onRawFrame runs synchronously right before the
    // connection parses it and emits `frame`, so the pair is always the same frame.
    let rawText = '';
    const conn = new HlWsConnection({
      id: `${this.id}/ws`,
      url: uri,
      budget: this.egress,
      clock: this.clock,
      logger: this.log,
      heartbeat: { intervalMs: this.o.heartbeat.pingIntervalMs, timeoutMs: this.o.heartbeat.pongTimeoutMs },
      stall: { timeoutMs: this.o.stallTimeoutMs },
      reconnect: { policy: { ...this.o.reconnect, maxAttempts: Infinity } },
      ...(this.deps.WebSocket ? { WebSocket: this.deps.WebSocket } : {}),
      ...(this.deps.socket?.agent ? { agent: this.deps.socket.agent } : {}),
      ...(this.deps.socket?.localAddress ? { localAddress: this.deps.socket.localAddress } : {}),
      onRawFrame: (text) => {
        rawText = text;
        return false;
      },
    });
    conn.on('frame', (f) => {
      if (!DATA_CHANNELS.has(f.channel)) return;
      if (f.frame.channel === 'trades') tradeGap.seen(f.frame.data);
      if (f.frame.channel === 'candle') {
        for (const c of f.frame.data) this.trackers.get(seriesKey(c.s, c.i))?.onPush(c);
        if (!this.o.candles.forming) return;
      }
      push(frameRecord(rawText, f.receivedAt, uri));
    });
    conn.on('deadLetter', (dl) => {
      this.errors++;
      this.log.warn(
        { reason: dl.reason, detail: dl.detail },
        'hyperliquid frame rejected by the protocol layer',
      );
    });
    conn.on('open', () => this.setState('healthy'));
    conn.on('close', (c) => {
      this.epoch++;
      if (c.cause !== 'client') this.setState('degraded', `socket closed (${c.cause}); reconnecting`);
    });
    conn.on('subscribed', (e) => {
      // After a reconnect the candles missed while down exist only over REST.
      if (e.resubscribe && e.subscription.type === 'candle')
        this.trackers.get(seriesKey(e.subscription.coin, e.subscription.interval))?.catchUp();
      // Trades missed while down: what recentTrades still holds (see trade-gap.ts).
      if (e.resubscribe && e.subscription.type === 'trades') recoverTrades(e.subscription.coin);
    });
    conn.on('subscribeFailed', (e) => this.fail(sink, e.error));

    const stopped = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    try {
      conn.start();
      await Promise.race([
        Promise.all(
          this.subscriptions().map((s) =>
            conn.subscribe(s).then(
              () => {
                if (s.type === 'candle') this.trackers.get(seriesKey(s.coin, s.interval))?.catchUp();
                if (s.type === 'trades') tradeGap.follow(s.coin, this.clock.now());
              },
              (err: unknown) => this.fail(sink, err),
            ),
          ),
        ),
        stopped,
      ]);
      await stopped;
    } finally {
      for (const t of this.trackers.values()) t.stop();
      await conn.close();
      await Promise.all([...this.trackers.values()].map((t) => t.settled()));
      await Promise.all(tradeCatchUps);
      await chain;
      this.trackers.clear();
      this.setState('stopped');
    }
  }

  /**
   * Batch/hybrid mode: closed candles of every (coin, interval) since the cursor. The cursor is
   * JSON `{ "<coin>|<interval>": lastClosedOpenTime }`; a new series starts at the bucket holding
   * now − backfillMs.
   */
  async poll(cursor: string | null, signal: AbortSignal): Promise<PollResult> {
    const now = this.clock.now();
    const last = parseCursor(cursor);
    const records: RawRecord[] = [];
    for (const coin of this.o.coins) {
      for (const interval of this.o.candles.intervals) {
        const key = seriesKey(coin, interval);
        // A new series owes candles from the bucket holding (now - backfill) on.
        const done = last[key] ?? candleBucket(interval, now - this.o.candles.backfillMs).t - 1;
        last[key] = done;
        let candles: readonly Candle[];
        try {
          candles = await this.info.candleSnapshot(coin, interval, done + 1, now, { signal });
        } catch (err) {
          this.errors++;
          throw err;
        }
        for (const c of candles) {
          if (c.T + this.o.candles.closeGraceMs > now || c.t <= (last[key] as number)) continue;
          records.push(closedCandleRecord(c, 'candleSnapshot', now, this.o.infoUrl));
          last[key] = c.t;
        }
      }
    }
    if (records.length > 0) this.lastRecordAtMs = now;
    return { records, cursor: JSON.stringify(last), caughtUp: true };
  }

  private setState(state: ConnectorState, detail?: string): void {
    if (this.state === 'stopped') return;
    this.state = state;
    this.detail = detail;
  }

  private fail(sink: RawSink, err: unknown): void {
    this.errors++;
    this.log.warn({ err }, `hyperliquid market data: ${errorMessage(err)}`);
    sink.error(err);
  }
}

function seriesKey(coin: string, interval: string): string {
  return `${coin}|${interval}`;
}

function isPerp(coin: string): boolean {
  const cls = marketClass(coin);
  return cls === 'perp' || cls === 'hip3';
}

function domainOf(coin: string): string {
  const cls = marketClass(coin);
  return cls === 'perp' || cls === 'hip3' ? 'crypto.perp' : cls === 'spot' ? 'crypto.spot' : 'crypto.outcome';
}

function parseCursor(cursor: string | null): Record<string, number> {
  if (cursor === null) return {};
  try {
    const v = JSON.parse(cursor) as unknown;
    if (typeof v !== 'object' || v === null) return {};
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).filter(
        (e): e is [string, number] => typeof e[1] === 'number',
      ),
    );
  } catch {
    return {};
  }
}
