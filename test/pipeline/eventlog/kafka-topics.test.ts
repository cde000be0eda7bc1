/**
 * The Kafka EventLog's topic layouts: the 254Carbon names (silver `normalized.market.<payload>.v<n>`
 * per partition key, quarantine `ingestion.quarantine.v1.<reason>`, bronze `ingestion.pipeline.raw.v1`
 * itself), each mapping a port partition to one topic and the topic back, and nothing else
 * claimed; and peekPayloadType, which routes silver envelopes by payload without decoding them.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/index.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  goldenEnvelope,
  GOLDEN_CASES,
  PAYLOAD_TYPES,
  peekPayloadType,
} from '../../../src/pipeline/envelope/index.js';
import {
  payloadPartition,
  payloadTopicPart,
  payloadTopics,
  topicFamily,
} from '../../../src/pipeline/eventlog/index.js';

describe('kafka topic layouts', () => {
  it('silver: one topic per payload type and partition key, under normalized.market.<payload>.v<n>', () => {
    const l = payloadTopics('normalized.market');
    expect(payloadTopicPart('TRADE_TICK_V1')).toBe('trade_tick.v1');
    expect(payloadTopicPart('EVM_BLOCK_INVALIDATED_V1')).toBe('evm_block_invalidated.v1');
    const p = payloadPartition('TRADE_TICK_V1', 'hl.perp.BTC#0');
    expect(p).toBe('trade_tick.v1/hl.perp.BTC#0');
    expect(l.topicOf(p)).toBe('normalized.market.trade_tick.v1.hl_2Eperp_2EBTC_230');
    for (const t of PAYLOAD_TYPES) {
      for (const key of ['hl.perp.BTC#0', 'evm.999', 'a/b', 'ümlaut']) {
        const part = payloadPartition(t, key);
        const topic = l.topicOf(part);
        expect(topic).toMatch(/^normalized\.market\.[a-z0-9_]+\.v\d+\.[A-Za-z0-9_-]+$/);
        expect(topic.length).toBeLessThan(250); // Kafka's topic name limit is 249
        expect(l.partitionOf(topic)).toBe(part);
      }
    }
    // Other logs' topics and the bare family name are not silver partitions.
    for (const t of [
      'normalized.market',
      'normalized.market.trade_tick.v1',
      'ingestion.quarantine.v1.X',
      'x.y',
    ])
      expect(l.partitionOf(t)).toBeUndefined();
    expect(() => l.topicOf('BTC#0')).toThrow(ValidationError);
    expect(() => l.topicOf('BTC#0')).toThrow('not <payload>.v<n>/<key>');
  });

  it('quarantine: <family>.<reason>; bronze: its one partition is the bare topic', () => {
    const q = topicFamily('ingestion.quarantine.v1');
    expect(q.topicOf('SANITY_FAILED')).toBe('ingestion.quarantine.v1.SANITY_5FFAILED');
    expect(q.partitionOf('ingestion.quarantine.v1.SANITY_5FFAILED')).toBe('SANITY_FAILED');
    // A suffix this layout could not have written (here `_FA` is no escape of it) is not claimed.
    expect(q.partitionOf('ingestion.quarantine.v1.SANITY_FAILED')).toBeUndefined();
    expect(q.partitionOf('ingestion.quarantine.v1')).toBeUndefined();
    expect(q.partitionOf('ingestion.quarantine.v1.a.b')).toBeUndefined();
    const b = topicFamily('ingestion.pipeline.raw.v1', 'raw');
    expect(b.topicOf('raw')).toBe('ingestion.pipeline.raw.v1');
    expect(b.partitionOf('ingestion.pipeline.raw.v1')).toBe('raw');
    expect(b.topicOf('other')).toBe('ingestion.pipeline.raw.v1.other');
    expect(b.partitionOf('ingestion.pipeline.raw.v1.other')).toBe('other');
  });
});

describe('peekPayloadType', () => {
  it('reads the payload type of every golden envelope, as decodeEnvelope does', () => {
    expect(GOLDEN_CASES.length).toBeGreaterThan(3);
    for (const c of GOLDEN_CASES) {
      const bytes = encodeEnvelope(goldenEnvelope(c));
      expect(peekPayloadType(bytes)).toBe(decodeEnvelope(bytes).payloadType);
      // From a Buffer view into a larger allocation too (what a log read hands back).
      const padded = Buffer.concat([Buffer.alloc(7), bytes]).subarray(7);
      expect(peekPayloadType(padded)).toBe(c.payloadType);
    }
  });

  it('names bad input: wrong magic, truncation, unknown code', () => {
    const bytes = Buffer.from(
      encodeEnvelope(goldenEnvelope(GOLDEN_CASES[0] as (typeof GOLDEN_CASES)[number])),
    );
    expect(() => peekPayloadType(Buffer.from('not an envelope at all, clearly not one'))).toThrow(
      'bad magic',
    );
    expect(() => peekPayloadType(bytes.subarray(0, 40))).toThrow('truncated before payload_type');
  });
});
