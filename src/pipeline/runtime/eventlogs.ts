/**
 * Builds the configured EventLog backend (file, postgres, nats) for the events, quarantine and
 * bronze logs, and the retention loop that applies the configured limits on a clock timer.
 * The one place that knows the concrete adapters; everything else sees the EventLog port.
 */
import { join } from 'node:path';
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import type { DeepReadonly, PipelineConfig } from '../../config/index.js';
import type { EventLog } from '../eventlog/index.js';
import { FileEventLog, NatsEventLog, PostgresEventLog } from '../eventlog/index.js';

type EventLogConfig = DeepReadonly<PipelineConfig['eventLog']>;

/** The three logs a runtime keeps: silver events, quarantine, and bronze (raw records). */
export type LogName = 'events' | 'quarantine' | 'bronze';

/** Each non-primary log lives beside the events log under a suffix of its name. */
const SUFFIX: Record<LogName, { table: string; stream: string; subject: string }> = {
  events: { table: '', stream: '', subject: '' },
  quarantine: { table: '_quarantine', stream: '_Q', subject: '.q' },
  bronze: { table: '_bronze', stream: '_B', subject: '.b' },
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
