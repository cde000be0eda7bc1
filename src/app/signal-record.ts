/**
 * Signal -> SinkRecord: the one place the Kafka message shape is decided (key, headers, JSON
 * body). The body is the Signal exactly as the contract in contracts/signal.v1.schema.json
 * describes it; the key keeps every (influencer, market) stream on one partition, in order.
 */
import type { Signal } from '../positions/index.js';
import { signalHeaders, signalKey } from '../positions/index.js';
import type { SinkRecord } from '../sinks/index.js';

export function toSinkRecord(signal: Signal, createdAt: number, traceId?: string): SinkRecord {
  return {
    id: signal.signalId,
    key: signalKey(signal.influencerId, signal.market),
    value: JSON.stringify(signal),
    headers: signalHeaders(traceId),
    createdAt,
  };
}
