/**
 * Shared helpers for the app-level end-to-end tests: read a whole signal topic back (up to the
 * high watermarks taken after the app closed), check each (influencer, market) stream's chain,
 * and compare the last position per key with the simulator's ground truth.
 */
import { readFileSync } from 'node:fs';
import type { KafkaMessage } from 'kafkajs';
import { dec, decStr, marketClass, silentLogger } from '../../src/core/index.js';
import type { MarketClass } from '../../src/core/index.js';
import type { Signal } from '../../src/positions/index.js';
import { Spool } from '../../src/sinks/spool/spool.js';
import { readWholeTopic, testKafka, uniqueName } from '../harness/index.js';
import { readNdjson, until } from '../kit/index.js';
import type { App } from '../../src/app/index.js';
import type { Simulator } from '../../src/sim/index.js';
import type { TruthAccount } from '../kit/truth.js';

// Moved to the test kit with the stack builder; re-exported so the other e2e tests keep their imports.
export { ALL_CLASSES, influencerYaml } from '../kit/stack.js';
export type { TruthAccount } from '../kit/truth.js';

/**
 * Follows how far the position engine got: per (influencer, market) the newest block time it
 * processed (a signal, an absorbed fill, a net-zero or suppressed block). Attach right after
 * start(); `settle` then pauses trading and waits until, for every tracked account, the last
 * fill of each market since `since` has been processed, instead of guessing how long it takes.
 */
export function engineProgress(app: App): {
  behind(sim: Simulator, since: number): string[];
  settle(sim: Simulator, since: number, ms?: number): Promise<void>;
} {
  const done = new Map<string, number>();
  const saw = (influencerId: string, market: string, time: number): void => {
    const key = `${influencerId}|${market}`;
    done.set(key, Math.max(done.get(key) ?? 0, time));
  };
  const ev = app.engine?.events;
  if (!ev) throw new Error('the app has no position engine');
  ev.on('signal', (s) => saw(s.influencerId, s.market, s.timestamp));
  ev.on('absorbed', (e) => saw(e.influencerId, e.market, e.time));
  ev.on('netZeroBlock', (e) => saw(e.influencerId, e.market, e.time));
  ev.on('suppressed', (e) => saw(e.influencerId, e.market, e.time));
  const behind = (sim: Simulator, since: number): string[] => {
    const out: string[] = [];
    for (const inf of app.currentInfluencers()) {
      if (!inf.enabled) continue;
      const last = new Map<string, number>();
      for (const f of sim.groundTruth.fills(inf.address)) if (f.time >= since) last.set(f.coin, f.time);
      for (const [market, t] of last) {
        const got = done.get(`${inf.id}|${market}`) ?? 0;
        if (got < t) out.push(`${inf.id}|${market} at ${got}, last fill ${t}`);
      }
    }
    return out;
  };
  return {
    behind,
    async settle(sim, since, ms = 30_000) {
      sim.pause();
      await until(
        () => behind(sim, since).length === 0,
        ms,
        () => `the engine to process every fill: ${behind(sim, since).slice(0, 5).join('; ')}`,
      );
    },
  };
}

export interface TopicMessage {
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly partition: number;
  readonly offset: number;
  /** The record's Kafka timestamp (producer create time, ms). */
  readonly timestamp: number;
  readonly signal: Signal;
}

/**
 * Every message of `topic`, in partition order: consumes from the beginning until each
 * partition reaches the high watermark read before consuming (the producer is closed by then).
 */
export async function readSignalTopic(topic: string, timeoutMs = 30_000): Promise<TopicMessage[]> {
  return (await readWholeTopic(topic, timeoutMs)).map(({ value, ...m }) => ({
    ...m,
    headers: { ...m.headers },
    signal: JSON.parse(value === '' ? 'null' : value) as Signal,
  }));
}

/** A consumer that keeps collecting every signal of `topic` from the beginning until stopped. */
export async function followSignalTopic(
  topic: string,
): Promise<{ signals: Signal[]; stop(): Promise<void> }> {
  const consumer = testKafka().consumer({ groupId: uniqueName('e2e_follow'), allowAutoTopicCreation: false });
  await consumer.connect();
  const signals: Signal[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }: { message: KafkaMessage }) => {
      signals.push(JSON.parse(message.value?.toString() ?? 'null') as Signal);
      return Promise.resolve();
    },
  });
  return { signals, stop: () => consumer.disconnect() };
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

/** Signals from a local signals.ndjson log, in file order. */
export function readSignalLog(path: string): Signal[] {
  return readNdjson<{ value: Signal }>(path).map((r) => r.value);
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

/**
 * The signals waiting in a stopped service's signal spool (`<spoolDir>/signals`), read back
 * through the Spool itself: proof that what Kafka did not take is kept, where a byte count of
 * the directory would also count the lock and cursor files. Call only after the process exited
 * (the spool lock is one process's).
 */
export async function spooledSignals(signalSpoolDir: string): Promise<Signal[]> {
  const spool = await Spool.open({ dir: signalSpoolDir, logger: silentLogger });
  try {
    const batch = await spool.read(1_000_000);
    return batch.payloads.map((p) => {
      const record = JSON.parse(p) as { value: string };
      return JSON.parse(record.value) as Signal;
    });
  } finally {
    await spool.close();
  }
}
