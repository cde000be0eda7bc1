/**
 * Shared helpers for the app-level end-to-end tests: read a whole signal topic back (up to the
 * high watermarks taken after the app closed), check each (influencer, market) stream's chain,
 * and compare the last position per key with the simulator's ground truth.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { dec, decStr, marketClass } from '../../src/core/index.js';
import type { MarketClass } from '../../src/core/index.js';
import type { Signal } from '../../src/positions/index.js';
import { testKafka, uniqueName } from '../harness/index.js';
import { until } from '../kit/index.js';

export const ALL_CLASSES: MarketClass[] = ['perp', 'hip3', 'spot', 'outcome'];

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface TopicMessage {
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly partition: number;
  readonly offset: number;
  readonly signal: Signal;
}

/**
 * Every message of `topic`, in partition order: consumes from the beginning until each
 * partition reaches the high watermark read before consuming (the producer is closed by then).
 */
export async function readSignalTopic(topic: string, timeoutMs = 30_000): Promise<TopicMessage[]> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const high = new Map<number, number>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) high.set(p.partition, Number(p.high));
  } finally {
    await admin.disconnect();
  }
  const total = [...high.values()].reduce((a, b) => a + b, 0);
  const out: TopicMessage[] = [];
  if (total === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueName('e2e'), allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message, partition }: { message: KafkaMessage; partition: number }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({
          key: message.key?.toString() ?? '',
          headers,
          partition,
          offset: Number(message.offset),
          signal: JSON.parse(message.value?.toString() ?? 'null') as Signal,
        });
        return Promise.resolve();
      },
    });
    await until(
      () => out.length >= total,
      timeoutMs,
      () => `${total} messages in ${topic} (got ${out.length})`,
    );
  } finally {
    await consumer.disconnect();
  }
  // Stable per-partition order (one key lives on one partition).
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Signals grouped per key in stream order, first delivery of each signal id only. */
export function dedupeByKey(signals: readonly Signal[]): {
  readonly byKey: Map<string, Signal[]>;
  readonly duplicates: number;
} {
  const seen = new Set<string>();
  const byKey = new Map<string, Signal[]>();
  let duplicates = 0;
  for (const s of signals) {
    if (seen.has(s.signalId)) {
      duplicates++;
      continue;
    }
    seen.add(s.signalId);
    const key = `${s.influencerId}|${s.market}`;
    const list = byKey.get(key) ?? [];
    list.push(s);
    byKey.set(key, list);
  }
  return { byKey, duplicates };
}

/**
 * Chain violations per key: timestamps going backwards, or a signal whose previousPosition is
 * not the previous signal's position. A RECONCILE is an explicit jump, so it may start anywhere
 * (its own previousPosition must still match), never silently.
 */
export function chainViolations(byKey: ReadonlyMap<string, readonly Signal[]>): string[] {
  const out: string[] = [];
  for (const [key, list] of byKey) {
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1] as Signal;
      const cur = list[i] as Signal;
      if (cur.timestamp < prev.timestamp)
        out.push(`${key}#${i}: timestamp ${cur.timestamp} < ${prev.timestamp}`);
      if (cur.previousPosition !== prev.position)
        out.push(
          `${key}#${i} ${cur.action}: previousPosition ${cur.previousPosition} != previous position ${prev.position}`,
        );
      if (decStr(dec(cur.position).minus(dec(cur.previousPosition))) !== cur.deltaSize)
        out.push(`${key}#${i}: deltaSize ${cur.deltaSize} inconsistent`);
    }
  }
  return out;
}

export interface TruthAccount {
  readonly id: string;
  /** Final ground-truth positions (signed decimal strings per coin). */
  readonly truth: Record<string, string>;
  /** Every ground-truth fill of the account. */
  readonly fills: ReadonlyArray<{ readonly coin: string; readonly time: number }>;
  /**
   * When the influencer was admitted (seeded). A market whose fills all came before it never
   * moved while tracked: the seed holds it and, correctly, no signal announces it.
   */
  readonly admittedAt: number;
}

/**
 * Differences between the last signalled position per key and the simulator's ground truth, for
 * every market of the given classes that has a signal or a non-zero true position. A market
 * without any signal is only excused when it never traded after admission.
 */
export function groundTruthDiffs(
  byKey: ReadonlyMap<string, readonly Signal[]>,
  accounts: readonly TruthAccount[],
  classes: readonly MarketClass[],
): { diffs: string[]; compared: number; preAdmission: number } {
  const diffs: string[] = [];
  let compared = 0;
  let preAdmission = 0;
  for (const { id, truth, fills, admittedAt } of accounts) {
    const markets = new Set<string>();
    for (const key of byKey.keys()) {
      const [inf, market] = splitKey(key);
      if (inf === id) markets.add(market);
    }
    for (const [market, szi] of Object.entries(truth)) if (!dec(szi).isZero()) markets.add(market);
    for (const market of markets) {
      if (!classes.includes(marketClass(market))) continue;
      const list = byKey.get(`${id}|${market}`) ?? [];
      const want = decStr(dec(truth[market] ?? '0'));
      if (list.length === 0 && fills.every((f) => f.coin !== market || f.time < admittedAt)) {
        preAdmission++;
        continue;
      }
      const got = list.length === 0 ? '(no signal)' : (list[list.length - 1] as Signal).position;
      compared++;
      if (got !== want) diffs.push(`${id}|${market}: signalled ${got}, ground truth ${want}`);
    }
  }
  return { diffs, compared, preAdmission };
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('|');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** YAML influencer file for the given accounts: ids inf-0, inf-1, ... in account order. */
export function influencerYaml(accounts: readonly string[]): string {
  return accounts.map((a, i) => `- id: inf-${i}\n  address: '${a}'\n`).join('');
}

/** Signals from a local signals.ndjson log, in file order. */
export function readSignalLog(path: string): Signal[] {
  const text = readFileSync(path, 'utf8').trim();
  if (text === '') return [];
  return text.split('\n').map((l) => (JSON.parse(l) as { value: Signal }).value);
}

/** Signed position after each ground-truth fill, i.e. startPosition + signed size. */
export function positionAfter(f: {
  readonly startPosition: string;
  readonly side: 'B' | 'A';
  readonly sz: string;
}): string {
  const sz = dec(f.sz);
  return decStr(dec(f.startPosition).plus(f.side === 'B' ? sz : sz.negated()));
}

export interface CustomConfigOptions {
  readonly wsUrl: string;
  readonly infoUrl: string;
  readonly influencersFile: string;
  readonly dir: string;
  readonly redisUrl: string;
  readonly keyPrefix: string;
  /** Deep-merged over the defaults below (top-level sections replaced key by key). */
  readonly extra?: Record<string, Record<string, unknown>>;
}

/** Raw config for the App against a simulator reached as a custom Hyperliquid network. */
export function customConfig(o: CustomConfigOptions): Record<string, unknown> {
  const base: Record<string, Record<string, unknown>> = {
    source: { kind: 'hyperliquid' },
    hyperliquid: {
      network: 'custom',
      wsUrl: o.wsUrl,
      infoUrl: o.infoUrl,
      heartbeat: { pingIntervalMs: 5000, pongTimeoutMs: 2000 },
    },
    influencers: { source: 'file', file: o.influencersFile },
    redis: { url: o.redisUrl, keyPrefix: o.keyPrefix },
    positions: { marketClasses: ALL_CLASSES },
    sinks: { local: { dir: join(o.dir, 'out') }, spool: { dir: join(o.dir, 'spool') } },
    http: { port: 0 },
  };
  for (const [k, v] of Object.entries(o.extra ?? {})) base[k] = { ...(base[k] ?? {}), ...v };
  return base;
}

/** Event ids of the fills in a local raw.ndjson store. */
export function readRawFillIds(path: string): Set<string> {
  const out = new Set<string>();
  const text = readFileSync(path, 'utf8').trim();
  if (text === '') return out;
  for (const l of text.split('\n')) {
    const e = JSON.parse(l) as { eventType: string; eventId: string };
    if (e.eventType === 'fill') out.add(e.eventId);
  }
  return out;
}
