/**
 * The `POST /info` client (docs/hyperliquid-protocol.md §4–§6): typed methods, responses parsed with the
 * protocol schemas, the per-IP weight budget, retries with backoff on 429/5xx/network errors
 * via core/retry.ts (policy injected) and typed errors (INFO_HTTP, INFO_RATE_LIMITED,
 * INFO_BAD_RESPONSE). Pagination over `userFillsByTime` lives in ./pagination.ts.
 */
import type { z } from 'zod';
import type { Clock, DeadLetter, Logger, RetryPolicy } from '../../core/index.js';
import type { FillGuard } from '../fill-guard.js';
import { safePayload } from '../fill-guard.js';
import { DEFAULT_MAX_DEAD_LETTER_PAYLOAD, truncatePayload } from '../frame-parser.js';
import {
  AbortedError,
  DEFAULT_RETRY_POLICY,
  RepeatedWarnings,
  SourceError,
  normalizeAddress,
  retry,
  silentLogger,
  systemClock,
} from '../../core/index.js';
import { formatIssues } from '../../core/index.js';
import type { CandleInterval } from '../schemas/market.js';
import {
  CandleSnapshotResponse,
  ClearinghouseState,
  RecentTradesResponse,
  MetaResponse,
  PerpDexsResponse,
  SpotMetaResponse,
  UserFillsByTimeResponse,
  UserFillsResponse,
} from '../schemas/info.js';
import type { BackfillOptions, BackfillResult, InfoCallOptions } from './pagination.js';
import { userFillsByTimeAll } from './pagination.js';
import { InfoWeightBudget } from './weight-budget.js';
import { baseWeight, itemWeight } from './weight-table.js';

export const MAINNET_INFO_URL = 'https://api.hyperliquid.xyz/info';

export type FetchLike = (url: string, init: RequestInit & { dispatcher?: unknown }) => Promise<Response>;

export interface InfoClientOptions {
  /** Full URL of the info endpoint. Default mainnet. */
  readonly url?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Retry policy for 429/5xx/network errors. Default core DEFAULT_RETRY_POLICY. */
  readonly retryPolicy?: RetryPolicy;
  /** Shared per-egress-IP weight budget. Default: a private 1200/min budget. */
  readonly weightBudget?: InfoWeightBudget;
  /** Per-request deadline. Default 15 000 ms. */
  readonly timeoutMs?: number;
  /** undici Dispatcher (egress proxy / local address); passed to fetch as `dispatcher`. */
  readonly dispatcher?: unknown;
  /** Default global fetch. */
  readonly fetch?: FetchLike;
  readonly random?: () => number;
  /** The boundary validator for backfilled fills (shared with the WebSocket paths). */
  readonly fillGuard?: FillGuard;
  /** Where backfilled fills the guard refuses go. */
  readonly onDeadLetter?: (dl: DeadLetter) => void;
}

export type { InfoCallOptions } from './pagination.js';

export class InfoClient {
  private readonly url: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly policy: RetryPolicy;
  readonly weightBudget: InfoWeightBudget;
  private readonly timeoutMs: number;
  private readonly dispatcher: unknown;
  private readonly fetchFn: FetchLike;
  private readonly random: (() => number) | undefined;
  /** Aborted by close(): cancels every request in flight, its retries and its budget wait. */
  private closed = false;
  /**
   * One controller per request in flight; close() aborts each. Not one shared signal that every
   * request listens on: EventTarget.addEventListener is linear in the listeners already there,
   * and 30 000 influencers seeding at once made that quadratic (the event loop stalled for
   * minutes, SIGTERM included).
   */
  private readonly inflight = new Set<AbortController>();
  /** Thousands of influencers seeding against a slow exchange retry at once: one summary a minute. */
  private readonly retryWarnings: RepeatedWarnings;
  private readonly fillGuard: FillGuard | undefined;
  private readonly onDeadLetter: ((dl: DeadLetter) => void) | undefined;

  constructor(options: InfoClientOptions = {}) {
    this.url = options.url ?? MAINNET_INFO_URL;
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).child({ component: 'hl-info' });
    this.retryWarnings = new RepeatedWarnings({ logger: this.log, clock: this.clock });
    this.policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.weightBudget = options.weightBudget ?? new InfoWeightBudget({ clock: this.clock });
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.dispatcher = options.dispatcher;
    this.fetchFn = options.fetch ?? (globalThis.fetch as FetchLike);
    this.random = options.random;
    this.fillGuard = options.fillGuard;
    this.onDeadLetter = options.onDeadLetter;
  }

  /** Most recent fills (≤2000), newest first as the server sends them. */
  userFills(user: string, opts: InfoCallOptions = {}): Promise<UserFillsResponse> {
    return this.post(
      { type: 'userFills', user: normalizeAddress(user), aggregateByTime: false },
      UserFillsResponse,
      opts,
    );
  }

  /** One page (≤2000) of fills in [startTime, endTime] (inclusive). */
  userFillsByTime(
    user: string,
    startTime: number,
    endTime?: number,
    opts: InfoCallOptions = {},
  ): Promise<UserFillsByTimeResponse> {
    const body: Record<string, unknown> = {
      type: 'userFillsByTime',
      user: normalizeAddress(user),
      startTime,
      aggregateByTime: false,
    };
    if (endTime !== undefined) body['endTime'] = endTime;
    return this.post(body, UserFillsByTimeResponse, opts);
  }

  /** Positions of one perp dex ('' = main dex; HIP-3 dexes need their own call, §4). */
  async clearinghouseState(user: string, dex = '', opts: InfoCallOptions = {}): Promise<ClearinghouseState> {
    const state = await this.post(
      { type: 'clearinghouseState', user: normalizeAddress(user), dex },
      ClearinghouseState,
      opts,
    );
    // Seeding and reconciliation move a stream to the snapshot's time: a future one would
    // make every real fill after it look stale. Refused (and dead-lettered) like a future fill.
    const bad = this.fillGuard?.checkTime(state.time);
    if (bad) {
      this.onDeadLetter?.({
        reason: bad.reason,
        detail: `clearinghouseState of ${user} (dex ${JSON.stringify(dex)}): ${bad.detail}`,
        listenerId: 'info',
        channel: 'clearinghouseState',
        receivedAt: this.clock.now(),
        payload: truncatePayload(safePayload(state), DEFAULT_MAX_DEAD_LETTER_PAYLOAD),
      });
      throw new SourceError('INFO_BAD_RESPONSE', `info clearinghouseState: ${bad.detail}`, {
        retriable: false,
        context: { user, dex },
      });
    }
    return state;
  }

  /** Every reachable fill in [startTime, endTime] across pages; see ./pagination.ts. */
  userFillsByTimeAll(
    user: string,
    startTime: number,
    endTime: number,
    opts: BackfillOptions = {},
  ): Promise<BackfillResult> {
    return userFillsByTimeAll(this, user, startTime, endTime, {
      now: () => this.clock.now(),
      ...(this.fillGuard ? { guard: this.fillGuard } : {}),
      ...(this.onDeadLetter ? { onDeadLetter: this.onDeadLetter } : {}),
      ...opts,
    });
  }

  /**
   * Candles of one coin and interval overlapping [startTime, endTime] (inclusive), oldest first;
   * only the most recent 5000 exist. Weight 20 + 1 per 60 candles.
   */
  candleSnapshot(
    coin: string,
    interval: CandleInterval,
    startTime: number,
    endTime?: number,
    opts: InfoCallOptions = {},
  ): Promise<CandleSnapshotResponse> {
    const req: Record<string, unknown> = { coin, interval, startTime };
    if (endTime !== undefined) req['endTime'] = endTime;
    return this.post({ type: 'candleSnapshot', req }, CandleSnapshotResponse, opts);
  }

  /** The coin's newest trades (a bounded window: what a dropped `trades` socket can get back). */
  recentTrades(coin: string, opts: InfoCallOptions = {}): Promise<RecentTradesResponse> {
    return this.post({ type: 'recentTrades', coin }, RecentTradesResponse, opts);
  }

  meta(dex?: string, opts: InfoCallOptions = {}): Promise<MetaResponse> {
    return this.post(
      dex === undefined || dex === '' ? { type: 'meta' } : { type: 'meta', dex },
      MetaResponse,
      opts,
    );
  }

  perpDexs(opts: InfoCallOptions = {}): Promise<PerpDexsResponse> {
    return this.post({ type: 'perpDexs' }, PerpDexsResponse, opts);
  }

  spotMeta(opts: InfoCallOptions = {}): Promise<SpotMetaResponse> {
    return this.post({ type: 'spotMeta' }, SpotMetaResponse, opts);
  }

  /**
   * Cancels every request in flight (fetch, retry backoff, weight-budget wait) and refuses new
   * ones with ABORTED. Shutdown calls it so no request or retry timer outlives the service.
   */
  close(): void {
    this.closed = true;
    for (const ac of this.inflight) ac.abort();
    this.inflight.clear();
    this.retryWarnings.close();
  }

  /** Generic call: weight, retries, schema. Public for request types without a method. */
  async post<S extends z.ZodType>(
    body: Record<string, unknown>,
    schema: S,
    opts: InfoCallOptions = {},
  ): Promise<z.output<S>> {
    const type = String(body['type']);
    if (this.closed) throw new AbortedError(`info ${type}: client closed`);
    const request = new AbortController();
    const signal = request.signal;
    const onCallerAbort = (): void => request.abort();
    if (opts.signal?.aborted) request.abort();
    opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.inflight.add(request);
    let json: unknown;
    try {
      json = await retry(
        async () => {
          await this.weightBudget.acquire(baseWeight(type), signal);
          return this.once(body, signal);
        },
        {
          policy: this.policy,
          label: `info ${type}`,
          clock: this.clock,
          signal,
          ...(this.random ? { random: this.random } : {}),
          onRetry: ({ attempt, delayMs, error }) =>
            this.retryWarnings.warn('info request failed; retrying', { err: error, attempt, delayMs, type }),
        },
      );
    } finally {
      this.inflight.delete(request);
      opts.signal?.removeEventListener('abort', onCallerAbort);
    }
    if (Array.isArray(json)) this.weightBudget.charge(itemWeight(type, json.length));
    const r = schema.safeParse(json);
    if (!r.success) {
      const issues = formatIssues(r.error);
      throw new SourceError(
        'INFO_BAD_RESPONSE',
        `info ${type}: response does not match its schema: ${issues.slice(0, 5).join('; ')}`,
        {
          retriable: false,
          cause: r.error,
          context: { type, issues },
        },
      );
    }
    return r.data;
  }

  private async once(body: Record<string, unknown>, request: AbortSignal): Promise<unknown> {
    const type = String(body['type']);
    const ac = new AbortController();
    const timer = this.clock.setTimeout(() => ac.abort(), this.timeoutMs);
    const onClose = (): void => ac.abort();
    request.addEventListener('abort', onClose, { once: true });
    let res: Response;
    try {
      const init: RequestInit & { dispatcher?: unknown } = {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: ac.signal,
      };
      if (this.dispatcher !== undefined) (init as Record<string, unknown>)['dispatcher'] = this.dispatcher;
      res = await this.fetchFn(this.url, init);
    } catch (e) {
      timer.cancel();
      request.removeEventListener('abort', onClose);
      if (request.aborted) throw new AbortedError(`info ${type}: cancelled`, { cause: e });
      // fetch reports network failures as TypeError, which core retry treats as a bug: wrap it.
      throw new SourceError('INFO_HTTP', `info ${type}: request failed: ${(e as Error).message}`, {
        retriable: true,
        cause: e,
        context: { type, timedOut: ac.signal.aborted },
      });
    }
    let text: string;
    try {
      text = await res.text();
    } finally {
      timer.cancel();
      request.removeEventListener('abort', onClose);
    }
    if (res.status === 429) {
      throw new SourceError('INFO_RATE_LIMITED', `info ${type}: HTTP 429 (server weight limit)`, {
        retriable: true,
        context: { type, status: 429 },
      });
    }
    if (!res.ok) {
      throw new SourceError('INFO_HTTP', `info ${type}: HTTP ${res.status}: ${text.slice(0, 200)}`, {
        retriable: res.status >= 500,
        context: { type, status: res.status },
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new SourceError('INFO_BAD_RESPONSE', `info ${type}: body is not JSON: ${text.slice(0, 200)}`, {
        retriable: false,
        cause: e,
        context: { type },
      });
    }
  }
}
