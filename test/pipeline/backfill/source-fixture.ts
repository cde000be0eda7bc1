/** A deterministic in-memory RangeSource for worker tests: one trade per `stepMs` in each chunk. */
import type { RangeChunk, RangeSource } from '../../../src/pipeline/backfill/index.js';
import type { NormalizedEvent } from '../../../src/pipeline/envelope/index.js';
import {
  defaultTraceId,
  encodePayload,
  eventIdOf,
  partitionKeyOf,
} from '../../../src/pipeline/envelope/index.js';

export function tradeEvent(t: number, market = 'BTC-PERP'): NormalizedEvent {
  const payload = encodePayload('TRADE_TICK_V1', {
    px: 6_000_000_000_000n + BigInt(t % 1000),
    sz: 100n,
    side: 'BUY',
    tradeId: BigInt(t),
  } as never);
  const eventId = eventIdOf({
    sourceId: 'test-src',
    nativeId: `tid-${t}`,
    marketId: market,
    eventTimeMs: t,
    payloadType: 'TRADE_TICK_V1',
    payload,
  });
  return {
    schemaVersion: 1,
    eventId,
    sourceId: 'test-src',
    sourceVersion: '1',
    connectorId: 'test-conn',
    connectorVersion: '1.0.0',
    marketId: market,
    domain: 'crypto',
    eventTimeMs: t,
    ingestTimeMs: t,
    payloadType: 'TRADE_TICK_V1',
    payload,
    qualityFlags: 0,
    partitionKey: partitionKeyOf(market, eventId, 2),
    traceId: defaultTraceId(eventId),
  };
}

export class StepSource implements RangeSource {
  readonly kind = 'time' as const;
  readonly fetched: number[] = [];
  constructor(
    readonly connectorId: string,
    private readonly stepMs: number,
  ) {}

  fetchChunk(chunk: RangeChunk): Promise<readonly NormalizedEvent[]> {
    this.fetched.push(chunk.index);
    const out: NormalizedEvent[] = [];
    const first = Math.ceil(chunk.from / this.stepMs) * this.stepMs;
    for (let t = first; t < chunk.to; t += this.stepMs) out.push(tradeEvent(t));
    return Promise.resolve(out);
  }
}
