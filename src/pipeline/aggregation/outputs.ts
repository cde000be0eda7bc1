/**
 * Where vectors go (254Carbon gold stage): Kafka `aggregation.ohlc.bars.v1` (tick bars),
 * `aggregation.rolling.metrics.v1` (rolling vectors) and `features.vectors.v1` (every vector,
 * with its canonical bytes); ClickHouse gold tables de-duplicated by window key and version
 * (DDL: contracts/clickhouse/gold/); and, in local mode, a file event log beside the input log.
 * One routing function decides what each vector becomes, so every output carries the same records.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { EventLog } from '../eventlog/index.js';
import type { ClickHouseLike } from '../../sinks/clickhouse/index.js';
import { applyMigrations, defaultMigrationsDir, loadMigrations } from '../../sinks/clickhouse/index.js';
import type { ProducerLike } from '../../sinks/kafka/index.js';
import type { Logger } from '../../core/index.js';
import type { AggEvent } from './agg.js';
import { FEATURE_SCHEMA } from './schema.js';
import type { FeatureVector } from './vector.js';
import { encodeVector, vectorToJson } from './vector.js';

export const AGGREGATION_TOPICS = {
  bars: 'aggregation.ohlc.bars.v1',
  rolling: 'aggregation.rolling.metrics.v1',
  vectors: 'features.vectors.v1',
} as const;

/** The correction path's records: too-late inputs, for a reprocess of their window. */
export const CORRECTIONS_TOPIC = 'aggregation.corrections.v1';

export function correctionJson(e: AggEvent): string {
  return JSON.stringify({
    market_id: e.marketId,
    event_id: e.eventId,
    event_time_ms: e.eventTimeMs,
    ingest_time_ms: e.ingestTimeMs,
    source_id: e.sourceId,
    payload_type: e.payloadType,
  });
}

export interface AggregationTopics {
  readonly bars: string;
  readonly rolling: string;
  readonly vectors: string;
}

export interface AggregationOutput {
  write(vectors: readonly FeatureVector[]): Promise<void>;
  close(): Promise<void>;
}

export interface OutRecord {
  readonly topic: string;
  /** window_key: the message key and the dedup key (with the revision). */
  readonly key: string;
  readonly value: string;
}

const str = (v: unknown): string => (typeof v === 'bigint' ? v.toString() : String(v ?? ''));

/** The window's identity and version, as every output names them (bars, gold rows). */
function windowColumns(v: FeatureVector): Record<string, unknown> {
  return {
    window_key: v.windowKey,
    market_id: v.marketId,
    epoch_id: v.epochId,
    tick_index: v.tickIndex,
    start_ms: v.startMs,
    end_ms: v.endMs,
    schema_version: v.schemaVersion,
    revision: v.revision,
    quality_flags: v.qualityFlags,
  };
}

/** The bar JSON of a tick vector (prices and sizes as integer text at scale 8). */
export function barOf(v: FeatureVector): Record<string, unknown> {
  const f = v.features;
  return {
    ...windowColumns(v),
    has_trades: f['open'] !== undefined,
    open: str(f['open'] ?? 0n),
    high: str(f['high'] ?? 0n),
    low: str(f['low'] ?? 0n),
    close: str(f['close'] ?? 0n),
    volume: str(f['volume']),
    notional: str(f['notional']),
    vwap: str(f['vwap'] ?? 0n),
    trade_count: str(f['trade_count']),
    features_hash: v.featuresHash,
  };
}

export function vectorMessage(v: FeatureVector): Record<string, unknown> {
  return { ...vectorToJson(v), vector_hex: Buffer.from(encodeVector(FEATURE_SCHEMA, v)).toString('hex') };
}

/** What one vector becomes on the topics. */
export function route(v: FeatureVector, topics: AggregationTopics = AGGREGATION_TOPICS): OutRecord[] {
  const out: OutRecord[] = [];
  if (v.kind === 'tick') out.push({ topic: topics.bars, key: v.windowKey, value: JSON.stringify(barOf(v)) });
  if (v.kind === 'rolling')
    out.push({ topic: topics.rolling, key: v.windowKey, value: JSON.stringify(vectorToJson(v)) });
  out.push({ topic: topics.vectors, key: v.windowKey, value: JSON.stringify(vectorMessage(v)) });
  return out;
}

/** Local mode: every record in a file event log, partition `<topic>|<market>`, idempotent per (key, revision). */
export class FileAggregationOutput implements AggregationOutput {
  constructor(private readonly log: EventLog) {}

  /** The correction path in local mode: one record per too-late input, idempotent by event id. */
  async writeCorrections(events: readonly AggEvent[]): Promise<void> {
    await this.log.append(
      events.map((e) => ({
        partition: `${CORRECTIONS_TOPIC}|${e.marketId}`,
        eventId: e.eventId,
        timestampMs: e.eventTimeMs,
        bytes: Buffer.from(correctionJson(e)),
      })),
    );
  }

  async write(vectors: readonly FeatureVector[]): Promise<void> {
    await this.log.append(
      vectors.flatMap((v) =>
        route(v).map((r) => ({
          partition: `${r.topic}|${v.marketId}`,
          eventId: createHash('sha256').update(`${r.topic}|${r.key}|${v.revision}`).digest('hex'),
          timestampMs: v.startMs,
          bytes: Buffer.from(r.value),
        })),
      ),
    );
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

export class KafkaAggregationOutput implements AggregationOutput {
  constructor(
    private readonly producer: ProducerLike,
    private readonly topics: AggregationTopics = AGGREGATION_TOPICS,
  ) {}

  async write(vectors: readonly FeatureVector[]): Promise<void> {
    const byTopic = new Map<string, OutRecord[]>();
    for (const r of vectors.flatMap((v) => route(v, this.topics)))
      byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
    for (const [topic, rs] of byTopic) {
      await this.producer.send({
        topic,
        acks: -1,
        messages: rs.map((r) => ({
          key: r.key,
          value: r.value,
          headers: { 'content-type': 'application/json' },
        })),
      });
    }
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** contracts/clickhouse/gold, found the way the raw migrations are (src/ or dist/src/). */
export const goldMigrationsDir = (): string => join(defaultMigrationsDir(), 'gold');

export function goldRowOf(v: FeatureVector): Record<string, unknown> {
  const f = v.features;
  return {
    ...windowColumns(v),
    kind: v.kind,
    sources_expected: v.coverage.sourcesExpected,
    sources_seen: v.coverage.sourcesSeen,
    events_seen: v.coverage.eventsSeen,
    late_events_dropped: v.coverage.lateEventsDropped,
    stale_events_seen: v.coverage.staleEventsSeen,
    influencer_net_flow: str(f['influencer_net_flow']),
    influencers_long: str(f['influencers_long']),
    influencers_short: str(f['influencers_short']),
    largest_mover: str(f['largest_mover']),
    consensus_ratio: Number(f['consensus_ratio'] ?? 0),
    features: JSON.stringify(vectorToJson(v)['features']),
    features_hash: v.featuresHash,
    vector_hex: Buffer.from(encodeVector(FEATURE_SCHEMA, v)).toString('hex'),
  };
}

export class ClickHouseGoldOutput implements AggregationOutput {
  constructor(
    private readonly client: ClickHouseLike,
    private readonly logger?: Logger,
  ) {}

  /** Creates the database (when the client can) and applies the gold DDL; idempotent. */
  async ensureSchema(dir = goldMigrationsDir()): Promise<void> {
    await this.client.ensureDatabase?.();
    await applyMigrations(this.client, await loadMigrations(dir), this.logger ? { logger: this.logger } : {});
  }

  async write(vectors: readonly FeatureVector[]): Promise<void> {
    const bars = vectors
      .filter((v) => v.kind === 'tick')
      .map((v) => ({ ...barOf(v), has_trades: v.features['open'] !== undefined ? 1 : 0 }));
    if (bars.length > 0) await this.client.insertRows('gold_ohlc_bars', bars);
    if (vectors.length > 0) await this.client.insertRows('gold_feature_vectors', vectors.map(goldRowOf));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
