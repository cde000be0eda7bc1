/**
 * The one validator for fills and trades at the inbound boundary, shared by the WebSocket
 * `userFills` path, the `trades` fast path and the REST backfill (userFillsByTime pages), so
 * a value is judged the same whichever path delivered it. The schema (./schemas/fill.ts)
 * checks shapes and bounded decimals (a well-formed row through its hand-written acceptor,
 * ./schemas/fill-fast.ts, anything else through zod); this adds what a shape cannot say:
 *
 * - time: at most `now + maxFutureSkewMs`. One fill a year ahead used to move a stream's
 *   "last fill" past every real fill, which were then dropped as stale, and was persisted.
 * - values: size > 0 and price > 0 (a negative size on a buy read as a SHORT).
 * - coin: the coin pattern of docs/hyperliquid-protocol.md §8 (no markup, no `__proto__`, bounded
 *   length), and, for the market classes the coin universe covers, membership of it.
 * - serialisable: the raw payload each fill is stored with is written here, inside the
 *   per-record check, so one value nested too deep to stringify costs that record only.
 *
 * A refusal is a (reason, detail) pair; the caller turns it into a dead letter. Each check is
 * a few string/number comparisons on values already in hand: no per-fill allocation beyond
 * the payload string every accepted fill needed anyway.
 */
import type { Clock, DeadLetterReason, MarketClass } from '../core/index.js';
import { marketClass, systemClock } from '../core/index.js';
import { classifyIssues } from './frame-parser.js';
import { Fill, Trade } from './schemas/fill.js';
import { acceptFill, acceptTrade } from './schemas/fill-fast.js';
import { CONFIG_DEFAULTS } from '../config/index.js';

/** Default allowed clock skew for event times; the config default references this. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = CONFIG_DEFAULTS.hyperliquid.maxFutureSkewMs;

/** The fields every check reads, shared by a Fill and a Trade. */
export interface GuardedValues {
  readonly coin: string;
  readonly px: string;
  readonly sz: string;
  readonly time: number;
}

export interface Rejection {
  readonly reason: DeadLetterReason;
  readonly detail: string;
}

export type GuardResult<T> =
  | { readonly ok: true; readonly value: T; readonly payload: string }
  | {
      readonly ok: false;
      readonly reason: DeadLetterReason;
      readonly detail: string;
      readonly payload: string;
    };

export interface FillGuardOptions {
  readonly clock?: Pick<Clock, 'now'>;
  /** Event times beyond now + this are refused. Default DEFAULT_MAX_FUTURE_SKEW_MS. */
  readonly maxFutureSkewMs?: number;
  /** Called (at most once per coin per universe) for a well-formed coin outside the universe. */
  readonly onUnknownCoin?: (coin: string) => void;
}

/**
 * docs/hyperliquid-protocol.md §8: main perps `BTC`/`kPEPE`, HIP-3 `dex:SYMBOL`, spot `@N` or
 * `BASE/QUOTE`, outcome `#N` / `+N`. Letters and digits only start a name, so `__proto__`,
 * markup and control characters never pass; every part is length-bounded.
 */
const COIN_RE =
  /^(?:[a-z0-9]{1,16}:)?[A-Za-z0-9][A-Za-z0-9._-]{0,31}$|^@\d{1,6}$|^[A-Za-z0-9]{1,20}\/[A-Za-z0-9]{1,20}$|^[#+]\d{1,12}$/;

/** Distinct unknown coins reported per universe version. */
const MAX_REPORTED_UNKNOWN = 1000;

export function isWellFormedCoin(coin: string): boolean {
  return coin.length <= 64 && COIN_RE.test(coin);
}

/** "0", "-1", "0.000" are not > 0; the string is already a bounded plain decimal. */
function isPositiveDecimal(s: string): boolean {
  if (s.charCodeAt(0) === 45) return false; // '-'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 49 && c <= 57) return true; // a digit 1-9
  }
  return false;
}

/** A bounded rendering for a dead letter's payload, even when the value cannot be stringified. */
export function safePayload(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    if (typeof value !== 'object' || value === null) return String(value);
    const shallow: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      shallow[k] = typeof v === 'object' && v !== null ? '[nested too deep to serialise]' : v;
    try {
      return JSON.stringify(shallow);
    } catch {
      return '[unserialisable value]';
    }
  }
}

export class FillGuard {
  private readonly clock: Pick<Clock, 'now'>;
  readonly maxFutureSkewMs: number;
  private readonly onUnknownCoin: ((coin: string) => void) | undefined;
  private known: ReadonlySet<string> | null = null;
  private covered: ReadonlySet<MarketClass> = new Set();
  private reportedUnknown = new Set<string>();
  private universeChanges = 0;

  constructor(options: FillGuardOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxFutureSkewMs = options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
    this.onUnknownCoin = options.onUnknownCoin;
  }

  /**
   * The known coin universe and the market classes it is complete for (main perps and HIP-3
   * from `meta`; spot only when it was fetched). Coins of other classes (outcome markets, spot
   * without spotMeta) are checked by pattern only. An empty list means "not known": pattern only.
   */
  setUniverse(coins: Iterable<string>, covers: readonly MarketClass[]): void {
    const set = new Set(coins);
    this.known = set.size > 0 ? set : null;
    this.covered = new Set(covers);
    this.reportedUnknown = new Set();
    this.universeChanges++;
  }

  /** Changes with every setUniverse: a verdict reached under another universe is not reused. */
  get universeVersion(): number {
    return this.universeChanges;
  }

  /** Latest event time accepted now. */
  maxTime(): number {
    return this.clock.now() + this.maxFutureSkewMs;
  }

  /** Any exchange time (a fill's, a position snapshot's): at most now + the allowed skew. */
  checkTime(time: number): Rejection | null {
    const now = this.clock.now();
    if (time <= now + this.maxFutureSkewMs) return null;
    return {
      reason: 'future_time',
      detail: `time ${time} is ${time - now} ms ahead of now (allowed skew ${this.maxFutureSkewMs} ms)`,
    };
  }

  /** The value checks on a schema-valid fill or trade; null when it may go on. */
  check(v: GuardedValues): Rejection | null {
    const late = this.checkTime(v.time);
    if (late) return late;
    if (!isPositiveDecimal(v.sz)) return { reason: 'impossible_value', detail: `sz ${v.sz} is not > 0` };
    if (!isPositiveDecimal(v.px)) return { reason: 'impossible_value', detail: `px ${v.px} is not > 0` };
    return this.checkCoin(v.coin);
  }

  checkCoin(coin: string): Rejection | null {
    if (!isWellFormedCoin(coin)) {
      return { reason: 'bad_coin', detail: `coin ${JSON.stringify(coin.slice(0, 64))} is not a market name` };
    }
    const known = this.known;
    if (known !== null && !known.has(coin) && this.covered.has(marketClass(coin))) {
      // Bounded: a flood of made-up names must not grow this set (or the log) without limit.
      if (!this.reportedUnknown.has(coin) && this.reportedUnknown.size < MAX_REPORTED_UNKNOWN) {
        this.reportedUnknown.add(coin);
        this.onUnknownCoin?.(coin);
      }
      return { reason: 'bad_coin', detail: `coin ${coin} is not in the known coin universe` };
    }
    return null;
  }

  /** One raw fill (WS `userFills` element or REST page row): schema, values, payload. */
  fill(raw: unknown, where: string): GuardResult<Fill> {
    const fast = acceptFill(raw);
    if (fast !== null) return this.finish(fast, raw, where);
    const r = Fill.safeParse(raw);
    if (!r.success) return { ok: false, ...classifyIssues(where, r.error), payload: safePayload(raw) };
    return this.finish(r.data, raw, where);
  }

  /** One `trades` row naming a tracked address: schema, values, payload. */
  trade(raw: unknown, where: string): GuardResult<Trade> {
    const fast = acceptTrade(raw);
    if (fast !== null) return this.finish(fast, raw, where);
    const r = Trade.safeParse(raw);
    if (!r.success) return { ok: false, ...classifyIssues(where, r.error), payload: safePayload(raw) };
    return this.finish(r.data, raw, where);
  }

  private finish<T extends GuardedValues>(value: T, raw: unknown, where: string): GuardResult<T> {
    const bad = this.check(value);
    let payload: string;
    try {
      payload = JSON.stringify(raw);
    } catch (e) {
      return {
        ok: false,
        reason: 'unserializable',
        detail: `${where}: cannot be serialised: ${(e as Error).message}`,
        payload: safePayload(raw),
      };
    }
    if (bad) return { ok: false, reason: bad.reason, detail: `${where}: ${bad.detail}`, payload };
    return { ok: true, value, payload };
  }
}
