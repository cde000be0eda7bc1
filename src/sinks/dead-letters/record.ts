/**
 * How a DeadLetter is written down, shared by every dead-letter sink (Kafka DLQ topic, local
 * NDJSON file, raw store) so they all agree. Decision: in the raw store a dead letter is a
 * row with event_type `dead_letter`, its reason code in the `reason` column (queryable and
 * groupable without parsing JSON) and the full DLQ JSON document in `payload`.
 */
import { createHash } from 'node:crypto';
import type { DeadLetter, RawEvent } from '../../core/index.js';

export const DEAD_LETTER_EVENT_TYPE = 'dead_letter';
export const DEAD_LETTER_SCHEMA_VERSION = '1';

/** The DLQ value: one JSON object with the reason code, detail, listener, channel, receivedAt, payload. */
export interface DeadLetterDocument {
  readonly reason: string;
  readonly detail: string;
  readonly listener: string;
  readonly channel: string | null;
  readonly receivedAt: number;
  readonly payload: string;
}

export function deadLetterDocument(letter: DeadLetter): DeadLetterDocument {
  return {
    reason: letter.reason,
    detail: letter.detail,
    listener: letter.listenerId,
    channel: letter.channel,
    receivedAt: letter.receivedAt,
    payload: letter.payload,
  };
}

/** Stable id: the same dead letter re-sent after a retry dedupes in the raw store. */
export function deadLetterId(letter: DeadLetter): string {
  return createHash('sha256')
    .update(`${letter.reason}|${letter.listenerId}|${letter.receivedAt}|${letter.payload}`)
    .digest('hex');
}

/**
 * The raw-store row. A dead letter belongs to no known influencer or market (it failed to
 * parse), so those are empty; the listener id still says where it came from.
 */
export function deadLetterToRawEvent(letter: DeadLetter, ingestTime: number): RawEvent & { reason: string } {
  return {
    influencerId: '',
    user: '',
    market: '',
    eventType: DEAD_LETTER_EVENT_TYPE,
    eventId: deadLetterId(letter),
    listenerId: letter.listenerId,
    eventTime: letter.receivedAt,
    ingestTime,
    payload: JSON.stringify(deadLetterDocument(letter)),
    reason: letter.reason,
  };
}
