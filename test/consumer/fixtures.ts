/**
 * Contract-valid signals for the consumer tests: a chain of positions per (influencer, market)
 * turned into signals with deterministic ids, and a producer that writes them (or raw records)
 * to a topic with the contract's key and headers.
 */
import { createHash } from 'node:crypto';
import { dec, decStr } from '../../src/core/index.js';
import {
  Signal,
  deriveAction,
  signalHeaders,
  signalIdOf,
  signalKey,
  stateOf,
} from '../../src/positions/index.js';
import type { PositionAction } from '../../src/positions/index.js';

const T0 = 1_780_000_000_000;

function hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** One signal moving `inf|market` from `from` to `to` at `t`; RECONCILE when asked. */
export function signal(
  inf: string,
  market: string,
  from: string,
  to: string,
  t: number,
  reconcile = false,
): Signal {
  const before = dec(from);
  const after = dec(to);
  const action: PositionAction = reconcile ? 'RECONCILE' : (deriveAction(before, after) ?? 'INCREASE');
  const sourceEventIds = reconcile ? [] : [hex(`${inf}|${market}|${t}`)];
  return Signal.parse({
    schemaVersion: 1,
    signalId: signalIdOf({
      influencerId: inf,
      market,
      timestamp: t,
      discriminator: reconcile ? `reconcile:periodic:${from}>${to}` : 'block',
      sourceEventIds,
    }),
    influencerId: inf,
    exchange: 'hyperliquid',
    market,
    marketClass: 'perp',
    action,
    side: stateOf(after),
    size: decStr(after.abs()),
    position: decStr(after),
    deltaSize: decStr(after.minus(before)),
    price: reconcile ? null : '100.5',
    previousSide: stateOf(before),
    previousSize: decStr(before.abs()),
    previousPosition: decStr(before),
    timestamp: t,
    emittedAt: t + 5,
    sourceEventIds,
    quality: {
      backfilled: false,
      reconciled: reconcile,
      degradedListener: false,
      snapshot: false,
      replayed: false,
    },
    firstListener: reconcile ? null : `${inf}/primary`,
    metadata: {
      user: '0x' + '1'.repeat(40),
      mode: 'block',
      oid: null,
      fillCount: sourceEventIds.length,
      selfTradeFillCount: 0,
      volume: decStr(after.minus(before).abs()),
      liquidation: null,
      counterpartyLiquidation: false,
      adl: false,
      settlement: false,
      spotDustConversion: false,
      netChildVaults: false,
      twapIds: [],
      dirs: [],
      dirMismatch: false,
      reconcileReason: reconcile ? 'periodic' : null,
    },
  });
}

/** Signals walking `inf|market` through `positions` (starting from 0), one second apart. */
export function chain(inf: string, market: string, positions: readonly string[], t0 = T0): Signal[] {
  const out: Signal[] = [];
  let prev = '0';
  positions.forEach((p, i) => {
    out.push(signal(inf, market, prev, p, t0 + i * 1000));
    prev = p;
  });
  return out;
}

export interface RawOut {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers?: Record<string, string>;
}

export function asRecord(s: Signal): RawOut {
  return { key: signalKey(s.influencerId, s.market), value: JSON.stringify(s), headers: signalHeaders() };
}

/** Produces records in order (one send, acks all), as the service's publisher would. */
export async function produce(topic: string, records: readonly RawOut[]): Promise<void> {
  // Lazy: the harness needs vitest's state, and the builders above are usable without it.
  const { testKafka } = await import('../harness/index.js');
  const producer = testKafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers ?? {} })),
    });
  } finally {
    await producer.disconnect();
  }
}
