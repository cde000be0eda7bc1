/**
 * Builds the configured EventLog backend (file, postgres, nats, kafka) for the events, quarantine
 * and bronze logs, and the retention loop that applies the configured limits on a clock timer.
 * The one place that knows the concrete adapters; everything else sees the EventLog port.
 */
import { join } from 'node:path';
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import type { DeepReadonly, PipelineConfig } from '../../config/index.js';
import type { EventLog } from '../eventlog/index.js';
import {
  FileEventLog,
  KafkaEventLog,
  NatsEventLog,
  payloadPartition,
  payloadTopics,
  PostgresEventLog,
  topicFamily,
} from '../eventlog/index.js';
import type { AppendRequest, KafkaTopicLayout } from '../eventlog/index.js';
import { peekPayloadType } from '../envelope/index.js';
import { BRONZE_PARTITION } from '../process/index.js';

type EventLogConfig = DeepReadonly<PipelineConfig['eventLog']>;

/** The logs a runtime keeps: silver events, quarantine, bronze (raw records) and anomalies (flagged copies). */
export type LogName = 'events' | 'quarantine' | 'bronze' | 'anomalies';

/** Each non-primary log lives beside the events log under a suffix of its name. */
const SUFFIX: Record<LogName, { table: string; stream: string; subject: string }> = {
  events: { table: '', stream: '', subject: '' },
  quarantine: { table: '_quarantine', stream: '_Q', subject: '.q' },
  bronze: { table: '_bronze', stream: '_B', subject: '.b' },
  anomalies: { table: '_anomalies', stream: '_A', subject: '.a' },
};

export async function openEventLog(c: EventLogConfig, dataDir: string, which: LogName): Promise<EventLog> {
  switch (c.backend) {
    case 'file':
      return FileEventLog.open({
        dir: join(dataDir, which),
        segmentBytes: c.segmentBytes,
        indexIntervalRecords: c.indexIntervalRecords,
        fsync: c.fsync,
      });
    case 'postgres':
      return PostgresEventLog.open({
        url: c.postgres.url,
        table: `${c.postgres.table}${SUFFIX[which].table}`,
        poolSize: c.postgres.poolSize,
      });
    case 'nats':
      return NatsEventLog.open({
        servers: c.nats.servers,
        streamPrefix: `${c.nats.streamPrefix}${SUFFIX[which].stream}`,
        subjectPrefix: `${c.nats.subjectPrefix}${SUFFIX[which].subject}`,
        duplicateWindowMs: c.nats.duplicateWindowMs,
        maxAgeMs: c.nats.maxAgeMs,
        maxBytes: c.nats.maxBytes,
      });
    case 'kafka':
      return KafkaEventLog.open({
        brokers: c.kafka.brokers,
        ...kafkaTopics(c.kafka, which),
        replicationFactor: c.kafka.replicationFactor,
        clientId: c.kafka.clientId,
        readTimeoutMs: c.kafka.readTimeoutMs,
      });
  }
}

/**
 * The 254Carbon topic names (issue #15) on the port's one-topic-per-partition storage:
 * - silver: `<topic>.<payload>.v<n>.<partition key>` (default topic `normalized.market`, so
 *   `normalized.market.trade_tick.v1.hl-perp-BTC_230`). Each event is routed to the port
 *   partition `<payload>.v<n>/<partition key>`: a payload × market split, not payload alone,
 *   because the port's partition is what keeps order, offsets and watermarks, and M0 §6 makes
 *   that the market. The cost: one market's payload types are separate partitions, ordered
 *   each on its own (an EVM invalidation and the canonical block that replaces it can be read
 *   in either order across the two; its replacedBy names the successor).
 * - quarantine: `<quarantineTopic>.<reason>` (default `ingestion.quarantine.v1`).
 * - anomalies: `<anomaliesTopic>.<partition key>` (default `data.quality.anomalies.v1`).
 * - bronze: the one arrival-order partition is the bare topic `<bronzeTopic>` (default
 *   `ingestion.pipeline.raw.v1`: the pipeline is bronze's source). Not one topic per connector:
 *   reprocessing replays every connector in arrival order through shared validation state, and
 *   only one partition keeps that order (process/bronze.ts).
 */
function kafkaTopics(
  k: EventLogConfig['kafka'],
  which: LogName,
): { topics: KafkaTopicLayout; route?: (r: AppendRequest) => string } {
  switch (which) {
    case 'events':
      return {
        topics: payloadTopics(k.topic),
        route: (r) => payloadPartition(peekPayloadType(r.bytes), r.partition),
      };
    case 'quarantine':
      return { topics: topicFamily(k.quarantineTopic) };
    case 'bronze':
      return { topics: topicFamily(k.bronzeTopic, BRONZE_PARTITION) };
    case 'anomalies':
      return { topics: topicFamily(k.anomaliesTopic) };
  }
}

/** Runs retention every intervalMs while a limit is configured; undefined when none is. */
export function startRetention(
  c: EventLogConfig,
  logs: readonly EventLog[],
  clock: Clock,
  logger: Logger,
): TimerHandle | undefined {
  const { maxAgeMs, maxBytes, intervalMs } = c.retention;
  if (maxAgeMs === 0 && maxBytes === 0) return undefined;
  const policy = {
    ...(maxAgeMs > 0 ? { maxAgeMs } : {}),
    ...(maxBytes > 0 ? { maxBytes } : {}),
  };
  let running = false;
  return clock.setInterval(() => {
    if (running) return; // a slow pass is never overlapped by the next tick
    running = true;
    Promise.all(logs.map((l) => l.applyRetention(policy, clock.now())))
      .catch((err: unknown) => logger.warn({ err }, 'event log retention failed; retried next interval'))
      .finally(() => (running = false));
  }, intervalMs);
}
