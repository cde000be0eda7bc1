/**
 * Local sinks for the embedded default (no Kafka, no ClickHouse): signals, raw events and dead
 * letters each go to one append-only NDJSON file. The raw-event file answers the same replay
 * query as ClickHouse (influencer, market, time range; de-duplicated; event_time order), so
 * replay works the same way with or without servers.
 */
import type { DeadLetter, RawEvent } from '../../core/index.js';
import { DEAD_LETTER_EVENT_TYPE, deadLetterDocument } from '../dead-letters/index.js';
import type {
  DeadLetterPublisher,
  RawEventReader,
  RawEventStore,
  ReplayQuery,
  SignalPublisher,
  SinkRecord,
} from '../ports.js';
import { NdjsonAppender, readNdjson } from './ndjson.js';
import type { OpenLineFile } from '../whole-lines.js';

export interface LocalFileOptions {
  readonly path: string;
  /** fsync after each batch. Default true. */
  readonly fsync?: boolean;
  /** File-system port (tests inject disk-full faults); default node:fs. */
  readonly openFile?: OpenLineFile;
}

/** One line per signal: id, key, createdAt, headers and the signal itself as JSON (not a string). */
export class LocalSignalLog implements SignalPublisher {
  private readonly file: NdjsonAppender;
  constructor(options: LocalFileOptions) {
    this.file = new NdjsonAppender(options.path, options);
  }
  publish(records: readonly SinkRecord[]): Promise<void> {
    return this.file.append(
      records.map((r) =>
        JSON.stringify({
          id: r.id,
          key: r.key,
          createdAt: r.createdAt,
          headers: r.headers,
          value: asJson(r.value),
        }),
      ),
    );
  }
  ping(): Promise<boolean> {
    return this.file.writable();
  }
  close(): Promise<void> {
    return this.file.close();
  }
}

function asJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The raw-event file: one RawEvent (camelCase, plus `reason` for dead letters) per line. */
export class LocalRawEventStore implements RawEventStore, RawEventReader {
  private readonly file: NdjsonAppender;
  constructor(options: LocalFileOptions) {
    this.file = new NdjsonAppender(options.path, options);
  }
  insert(events: readonly RawEvent[]): Promise<void> {
    return this.file.append(events.map((e) => JSON.stringify(e)));
  }

  /** Reads the whole file: fine for the local default, which is for development and demos. */
  async *replay(q: ReplayQuery): AsyncIterable<RawEvent> {
    const first = new Map<string, RawEvent>();
    for await (const value of readNdjson(this.file.path)) {
      const e = toRawEvent(value);
      if (!e || !matches(e, q)) continue;
      const key = `${e.market}\u0000${e.eventType}\u0000${e.eventId}`;
      const prev = first.get(key);
      // The earliest-ingested copy wins, as in ClickHouse (sql.ts FIRST_ARRIVAL_VERSION_CEILING):
      // replay and the audit trail report the listener that really delivered the event first.
      if (!prev || e.ingestTime < prev.ingestTime) first.set(key, e);
    }
    const sorted = [...first.values()].sort(
      (a, b) => a.eventTime - b.eventTime || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
    );
    yield* sorted;
  }

  ping(): Promise<boolean> {
    return this.file.writable();
  }
  close(): Promise<void> {
    return this.file.close();
  }
}

function matches(e: RawEvent, q: ReplayQuery): boolean {
  if (e.influencerId !== q.influencerId) return false;
  if (q.market !== undefined && e.market !== q.market) return false;
  if (q.fromMs !== undefined && e.eventTime < q.fromMs) return false;
  if (q.toMs !== undefined && e.eventTime >= q.toMs) return false;
  if (q.eventTypes !== undefined) return q.eventTypes.includes(e.eventType);
  return e.eventType !== DEAD_LETTER_EVENT_TYPE;
}

function toRawEvent(v: unknown): RawEvent | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const str = (k: string): string | null => (typeof o[k] === 'string' ? o[k] : null);
  const num = (k: string): number | null => (typeof o[k] === 'number' ? o[k] : null);
  const [influencerId, user, market, eventType, eventId, listenerId, payload] = [
    str('influencerId'),
    str('user'),
    str('market'),
    str('eventType'),
    str('eventId'),
    str('listenerId'),
    str('payload'),
  ];
  const [eventTime, ingestTime] = [num('eventTime'), num('ingestTime')];
  if (
    influencerId === null ||
    user === null ||
    market === null ||
    eventType === null ||
    eventId === null ||
    listenerId === null ||
    payload === null ||
    eventTime === null ||
    ingestTime === null
  ) {
    return null;
  }
  return { influencerId, user, market, eventType, eventId, listenerId, eventTime, ingestTime, payload };
}

/** Dead letters: one DLQ document per line (same JSON as the Kafka DLQ value). */
export class LocalDeadLetterLog implements DeadLetterPublisher {
  private readonly file: NdjsonAppender;
  constructor(options: LocalFileOptions) {
    this.file = new NdjsonAppender(options.path, options);
  }
  publish(letters: readonly DeadLetter[]): Promise<void> {
    return this.file.append(letters.map((l) => JSON.stringify(deadLetterDocument(l))));
  }
  ping(): Promise<boolean> {
    return this.file.writable();
  }
  close(): Promise<void> {
    return this.file.close();
  }
}
