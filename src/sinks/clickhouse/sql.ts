/**
 * The SQL the raw store runs, as pure functions so the same text is checked on ClickHouse 18.16
 * (integration) and on current ClickHouse via chdb (unit). 18.16 has no query parameters, so
 * values are inlined through `literal()`, which escapes every character ClickHouse treats
 * specially inside single quotes.
 */
import type { RawEvent } from '../../core/index.js';
import { DEAD_LETTER_EVENT_TYPE } from '../dead-letters/index.js';
import type { ReplayQuery } from '../ports.js';

export const RAW_EVENTS_TABLE = 'raw_events';

/** A ClickHouse string literal. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\0/g, '\\0')}'`;
}

/** A non-negative integer literal; anything else is a programming error upstream. */
function uint(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  return String(value);
}

/** Table names come from config: allow plain identifiers only (no quoting games). */
export function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
    throw new RangeError(`not a valid ClickHouse table name: '${name}'`);
  }
  return name;
}

export const RAW_EVENT_COLUMNS = [
  'influencer_id',
  'user',
  'market',
  'event_type',
  'event_id',
  'listener_id',
  'event_time',
  'ingest_time',
  'payload',
  'reason',
  'version',
] as const;

export type RawEventRow = Record<(typeof RAW_EVENT_COLUMNS)[number], string | number>;

/**
 * ReplacingMergeTree keeps the row with the highest `version`. We want the FIRST arrival of an
 * event (the listener that really delivered it first, the audit trail's truth, and what replay
 * reports as firstListener), so version counts down from a fixed ceiling as ingest time grows.
 */
export const FIRST_ARRIVAL_VERSION_CEILING = Number.MAX_SAFE_INTEGER;

/** RawEvent -> row. The earliest-ingested copy of an event has the highest version and survives. */
export function toRow(event: RawEvent & { readonly reason?: string }): RawEventRow {
  return {
    influencer_id: event.influencerId,
    user: event.user,
    market: event.market,
    event_type: event.eventType,
    event_id: event.eventId,
    listener_id: event.listenerId,
    event_time: event.eventTime,
    ingest_time: event.ingestTime,
    payload: event.payload,
    reason: event.reason ?? '',
    version: FIRST_ARRIVAL_VERSION_CEILING - event.ingestTime,
  };
}

/** Row (JSONEachRow output: UInt64 arrive as strings) -> RawEvent. */
export function fromRow(row: Record<string, unknown>): RawEvent {
  return {
    influencerId: String(row['influencer_id']),
    user: String(row['user']),
    market: String(row['market']),
    eventType: String(row['event_type']),
    eventId: String(row['event_id']),
    listenerId: String(row['listener_id']),
    eventTime: Number(row['event_time']),
    ingestTime: Number(row['ingest_time']),
    payload: String(row['payload']),
  };
}

/**
 * Deduplicated replay: FINAL collapses copies not merged yet, so each (influencer, market, type,
 * event id) comes back once, in event_time order (ties by event id, a stable total order).
 */
export function replaySql(q: ReplayQuery, table = RAW_EVENTS_TABLE): string {
  const where = [`influencer_id = ${literal(q.influencerId)}`];
  if (q.market !== undefined) where.push(`market = ${literal(q.market)}`);
  if (q.fromMs !== undefined) where.push(`event_time >= ${uint(q.fromMs, 'fromMs')}`);
  if (q.toMs !== undefined) where.push(`event_time < ${uint(q.toMs, 'toMs')}`);
  if (q.eventTypes !== undefined) {
    if (q.eventTypes.length === 0) where.push('0');
    else where.push(`event_type IN (${q.eventTypes.map(literal).join(', ')})`);
  } else {
    where.push(`event_type != ${literal(DEAD_LETTER_EVENT_TYPE)}`);
  }
  return [
    `SELECT influencer_id, user, market, event_type, event_id, listener_id, event_time, ingest_time, payload`,
    `FROM ${identifier(table)} FINAL`,
    `WHERE ${where.join(' AND ')}`,
    `ORDER BY event_time, event_id`,
  ].join('\n');
}
