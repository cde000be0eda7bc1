/**
 * Where records go that a sink refuses for good (SINK_RECORD_REJECTED), per queue: a refused
 * signal becomes a `sink_rejected` dead letter (DLQ and raw store); a refused raw event goes to
 * the DLQ only (the raw store just refused it); a dead letter the DLQ refuses is logged and
 * kept in poison.ndjson, the one sink that cannot refuse. Each hand-off resolves only once the
 * record is safe; when it rejects, the queue keeps the record and retries the hand-off.
 */
import type { Clock, DeadLetter, Logger, RawEvent } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import { DEFAULT_MAX_DEAD_LETTER_PAYLOAD, truncatePayload } from '../protocol/index.js';
import type { DeadLetterRecorder, PoisonLog, SinkRecord } from '../sinks/index.js';

export interface RejectedRecord {
  /** Queue name: `signals`, `raw-events`. */
  readonly sink: string;
  readonly id: string;
  readonly key: string;
  /** The record's own time (ms), so a letter handed over twice (after a crash) has the same id. */
  readonly at: number;
  readonly record: unknown;
  readonly error: unknown;
}

/** The dead letter for a refused record: detail names sink, error and record; payload is the record. */
export function sinkRejectedLetter(r: RejectedRecord): DeadLetter {
  return {
    reason: 'sink_rejected',
    detail: `${r.sink} sink refused record ${r.id} (key ${r.key}): ${errorMessage(r.error)}`,
    listenerId: `sink/${r.sink}`,
    channel: null,
    receivedAt: r.at,
    payload: truncatePayload(JSON.stringify(r.record), DEFAULT_MAX_DEAD_LETTER_PAYLOAD),
  };
}

export interface PoisonHandlers {
  readonly signals: (record: SinkRecord, error: unknown) => Promise<void>;
  readonly raw: (event: RawEvent, error: unknown) => Promise<void>;
  readonly deadLetters: (letter: DeadLetter, error: unknown) => Promise<void>;
}

/**
 * `recorder` is awaited on each hand-off: a spool recovered at start-up may refuse a record
 * before the recorder (which needs the queues) exists.
 */
export function poisonHandlers(deps: {
  readonly recorder: Promise<DeadLetterRecorder>;
  readonly poisonLog: PoisonLog;
  readonly clock: Clock;
  readonly logger: Logger;
}): PoisonHandlers {
  const log = deps.logger.child({ component: 'app.poison' });
  return {
    signals: async (record, error) => {
      const letter = sinkRejectedLetter({
        sink: 'signals',
        id: record.id,
        key: record.key,
        at: record.createdAt,
        record,
        error,
      });
      await (await deps.recorder).recordRejected(letter, { raw: true });
    },
    raw: async (event, error) => {
      const letter = sinkRejectedLetter({
        sink: 'raw-events',
        id: event.eventId,
        key: `${event.influencerId}|${event.market}|${event.eventType}`,
        at: event.ingestTime,
        record: event,
        error,
      });
      await (await deps.recorder).recordRejected(letter, { raw: false });
    },
    deadLetters: async (letter, error) => {
      log.error(
        { record: letter, err: error, path: deps.poisonLog.path },
        `dead-letter sink refused a dead letter for good; kept in ${deps.poisonLog.path}`,
      );
      await deps.poisonLog.write('dead-letters', letter, error, deps.clock.now());
    },
  };
}
