/**
 * `POST /info` (and WS `post` requests): userFills (newest first, capped), userFillsByTime
 * (inclusive bounds, oldest first or `reversed`, page cap, only the most recent `fillsHorizon`
 * fills reachable), userTwapSliceFills, clearinghouseState (per dex), meta, perpDexs, spotMeta,
 * candleSnapshot (candles overlapping [startTime, endTime], oldest first, most recent 5000 only),
 * recentTrades (a coin's newest trades as `trades` pushed them, newest first).
 * Returns the weight each answer costs so the HTTP layer can charge the per-IP budget.
 */
import { isAddress, type Address } from '../core/index.js';
import { isCandleInterval } from './candles.js';
import { clearinghouseState } from './clearinghouse.js';
import type { Engine } from './engine.js';
import { aggregateByTime } from './frames.js';
import { baseWeight, itemWeight, type SimLimits } from './limits.js';
import { PERP_DEXES, metaResponse, perpDexsResponse, spotMetaResponse } from './markets.js';

export interface InfoAnswer {
  status: number;
  body: unknown;
  weight: number;
}

/** The real server's reply to a body it cannot deserialize. */
const BAD_BODY = 'Failed to deserialize the JSON body into the target type';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class InfoHandler {
  constructor(
    private readonly engine: Engine,
    private readonly limits: () => SimLimits,
    private readonly now: () => number,
  ) {}

  /** The weight a request costs before its result size is known (used for the budget check). */
  weightOf(body: unknown): number {
    return isRecord(body) && typeof body['type'] === 'string' ? baseWeight(body['type']) : 20;
  }

  handle(body: unknown): InfoAnswer {
    if (!isRecord(body) || typeof body['type'] !== 'string')
      return { status: 422, body: BAD_BODY, weight: 20 };
    const type = body['type'];
    const w = baseWeight(type);
    const bad: InfoAnswer = { status: 422, body: BAD_BODY, weight: w };
    const lim = this.limits();
    const truth = this.engine.truth;
    const user =
      typeof body['user'] === 'string' && isAddress(body['user'])
        ? (body['user'].toLowerCase() as Address)
        : undefined;
    const agg = body['aggregateByTime'] === true;
    const list = (fills: ReturnType<typeof truth.recent>): InfoAnswer => {
      const out = agg ? aggregateByTime(fills) : fills;
      return { status: 200, body: out, weight: w + itemWeight(type, out.length) };
    };
    switch (type) {
      case 'userFills':
        if (!user) return bad;
        return list(truth.recent(user, lim.userFillsMax));
      case 'userFillsByTime': {
        const start = body['startTime'];
        const end = body['endTime'] ?? this.now();
        if (!user || typeof start !== 'number' || typeof end !== 'number') return bad;
        const all = truth.byTime(user, start, end, lim.fillsHorizon);
        const page =
          body['reversed'] === true
            ? all.reverse().slice(0, lim.fillsByTimePageSize)
            : all.slice(0, lim.fillsByTimePageSize);
        return list(page);
      }
      case 'userTwapSliceFills': {
        if (!user) return bad;
        const s = truth.twapSlices(user);
        const out = s.slice(Math.max(0, s.length - lim.userFillsMax)).reverse();
        return { status: 200, body: out, weight: w + itemWeight(type, out.length) };
      }
      case 'clearinghouseState': {
        const dex = body['dex'] ?? '';
        if (!user || typeof dex !== 'string') return bad;
        if (!PERP_DEXES.includes(dex))
          return { status: 500, body: `unknown dex ${JSON.stringify(dex)}`, weight: w };
        return {
          status: 200,
          body: clearinghouseState(this.engine.ledger, user, dex, (c) => this.engine.mark(c), this.now()),
          weight: w,
        };
      }
      case 'meta': {
        const dex = body['dex'] ?? '';
        if (typeof dex !== 'string') return bad;
        return { status: 200, body: metaResponse(dex), weight: w };
      }
      case 'candleSnapshot': {
        const req = body['req'];
        if (!isRecord(req)) return bad;
        const { coin, interval, startTime } = req;
        const endTime = req['endTime'] ?? this.now();
        if (typeof coin !== 'string' || !isCandleInterval(interval)) return bad;
        if (typeof startTime !== 'number' || typeof endTime !== 'number') return bad;
        const out = this.engine.market.candles.range(coin, interval, startTime, endTime, lim.candleHistory);
        return { status: 200, body: out, weight: w + itemWeight(type, out.length) };
      }
      case 'recentTrades': {
        const coin = body['coin'];
        if (typeof coin !== 'string') return bad;
        const out = this.engine.market.recentTrades(coin, lim.recentTrades);
        return { status: 200, body: out, weight: w + itemWeight(type, out.length) };
      }
      case 'perpDexs':
        return { status: 200, body: perpDexsResponse(), weight: w };
      case 'spotMeta':
        return { status: 200, body: spotMetaResponse(), weight: w };
      default:
        return bad;
    }
  }
}
