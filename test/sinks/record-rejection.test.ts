// How the Kafka and ClickHouse adapters tell "this batch holds a record the sink will never take"
// (non-retriable SINK_RECORD_REJECTED) from everything else, on the error shapes the libraries
// really throw: kafkajs' own error classes and protocol error table, @clickhouse/client's parser.
import { createRequire } from 'node:module';
import { ClickHouseError, parseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import type { RawEvent } from '../../src/core/index.js';
import {
  ClickHouseRawEventStore,
  clickHouseExceptionCode,
  isBadDataError,
} from '../../src/sinks/clickhouse/index.js';
import type { ClickHouseLike } from '../../src/sinks/clickhouse/index.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  createKafkaSignalPublisher,
  isFatalProducerError,
  isRecordRejectedError,
  messageBytes,
} from '../../src/sinks/kafka/index.js';
import type { KafkaClientFactory, KafkaMessageOut, ProducerLike } from '../../src/sinks/kafka/index.js';
import { isRecordRejection } from '../../src/sinks/index.js';
import type { SinkRecord } from '../../src/sinks/index.js';

type ErrorClass = new (e: unknown, options?: Record<string, unknown>) => Error;
const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error;
};
const kafkaErrors = require('kafkajs/src/errors.js') as Record<
  'KafkaJSNonRetriableError' | 'KafkaJSNumberOfRetriesExceeded' | 'KafkaJSConnectionError',
  ErrorClass
>;

/** What producer.send rejects with, by the path the error takes through kafkajs' retrier. */
const bailed = (code: number): Error => createErrorFromCode(code); // non-retriable: bail(e) as is
const exhausted = (e: Error): Error =>
  new kafkaErrors.KafkaJSNumberOfRetriesExceeded(e, { retryCount: 5, retryTime: 1000 });
const wrapped = (e: Error): Error => new kafkaErrors.KafkaJSNonRetriableError(e, { cause: e });

describe('kafka send error classification', () => {
  it('flags the record-level protocol errors however kafkajs wraps them', () => {
    const cases = {
      MESSAGE_TOO_LARGE: bailed(10),
      RECORD_LIST_TOO_LARGE: bailed(18),
      INVALID_TIMESTAMP: bailed(32),
      INVALID_RECORD: wrapped(createErrorFromCode(87)),
      CORRUPT_MESSAGE: exhausted(createErrorFromCode(2)), // retriable in kafkajs: only after its retries
    };
    for (const [type, err] of Object.entries(cases)) {
      expect(isRecordRejectedError(err), type).toBe(true);
      // Not "fatal": re-sending the same batch on a new producer would be refused just the same.
      expect(isFatalProducerError(err), type).toBe(false);
    }
  });

  it('leaves transient and fatal errors alone', () => {
    const transient = [
      exhausted(new kafkaErrors.KafkaJSConnectionError('Connection error: ECONNREFUSED')),
      exhausted(createErrorFromCode(5)), // LEADER_NOT_AVAILABLE
      exhausted(createErrorFromCode(6)), // NOT_LEADER_FOR_PARTITION
      exhausted(createErrorFromCode(7)), // REQUEST_TIMED_OUT
      new Error('socket hang up'),
    ];
    for (const err of transient) {
      expect(isRecordRejectedError(err), err.message).toBe(false);
      expect(isFatalProducerError(err), err.message).toBe(false);
    }
    const outOfOrder = bailed(45);
    expect(isFatalProducerError(outOfOrder)).toBe(true);
    expect(isRecordRejectedError(outOfOrder)).toBe(false);
  });
});

const record = (n: number, value = JSON.stringify({ n })): SinkRecord => ({
  id: `sig-${n}`,
  key: `k${n}`,
  value,
  headers: { 'schema-version': '1', 'content-type': 'application/json' },
  createdAt: n,
});

/** One producer at a time; `next` decides what the next send does. */
function fakeKafka(next: () => Error | null) {
  const sent: KafkaMessageOut[][] = [];
  let producers = 0;
  const factory: KafkaClientFactory = {
    producer: (): ProducerLike => {
      producers++;
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        send: async ({ messages }) => {
          const err = next();
          if (err) throw err;
          sent.push(messages);
        },
      };
    },
    admin: () => {
      throw new Error('no admin in this test');
    },
  };
  return { factory, sent, producers: () => producers };
}

describe('Kafka publisher refusals', () => {
  it('refuses a message over maxMessageBytes before sending anything', async () => {
    const kafka = fakeKafka(() => null);
    const publisher = createKafkaSignalPublisher({
      brokers: ['fake:9092'],
      factory: kafka.factory,
      maxMessageBytes: 2048,
    });
    const big = record(2, 'x'.repeat(3000));
    const err: unknown = await publisher.publish([record(1), big, record(3)]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SINK_RECORD_REJECTED', retriable: false });
    expect(isRecordRejection(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/message 2 of 3 .*key k2/);
    expect(kafka.sent).toEqual([]);
    await publisher.publish([record(1), record(3)]);
    expect(kafka.sent.flat().map((m) => m.key)).toEqual(['k1', 'k3']);
    await publisher.close();
  });

  it('sizes a message as a record batch of one, and defaults to about 1 MB', () => {
    const m = { key: 'abc', value: 'x'.repeat(100), headers: { h: 'vv' } };
    expect(messageBytes(m)).toBeGreaterThan(3 + 100 + 1 + 2);
    expect(messageBytes(m)).toBeLessThan(3 + 100 + 1 + 2 + 128);
    expect(messageBytes({ ...m, value: 'é' })).toBe(messageBytes({ ...m, value: 'xx' })); // bytes, not chars
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(1_000_000);
  });

  it('maps a broker refusal to SINK_RECORD_REJECTED and starts a fresh producer', async () => {
    const errors: (Error | null)[] = [bailed(10), null];
    const kafka = fakeKafka(() => errors.shift() ?? null);
    const publisher = createKafkaSignalPublisher({ brokers: ['fake:9092'], factory: kafka.factory });
    const recreated: string[] = [];
    publisher.producer.events.on('producerRecreated', (e) => recreated.push(e.reason));
    await expect(publisher.publish([record(1)])).rejects.toMatchObject({
      code: 'SINK_RECORD_REJECTED',
      retriable: false,
      context: { type: 'MESSAGE_TOO_LARGE' },
    });
    await publisher.publish([record(2)]);
    // Its sequence numbers were rolled back for partitions the broker may have written.
    expect(recreated).toEqual(['MESSAGE_TOO_LARGE']);
    expect(kafka.producers()).toBe(2);
    expect(kafka.sent.flat().map((m) => m.key)).toEqual(['k2']);
    await publisher.close();
  });

  it('still recreates the producer on a fatal error, and a connection error stays retriable', async () => {
    const errors: (Error | null)[] = [bailed(45), exhausted(new kafkaErrors.KafkaJSConnectionError('down'))];
    const kafka = fakeKafka(() => errors.shift() ?? null);
    const publisher = createKafkaSignalPublisher({ brokers: ['fake:9092'], factory: kafka.factory });
    await expect(publisher.publish([record(1)])).rejects.toMatchObject({
      code: 'SINK_FATAL_PRODUCER',
      retriable: true,
    });
    await expect(publisher.publish([record(1)])).rejects.toMatchObject({
      code: 'SINK_WRITE',
      retriable: true,
    });
    expect(kafka.producers()).toBe(2);
    await publisher.close();
  });
});

describe('clickhouse insert error classification', () => {
  it('reads the exception code from ClickHouseError and from an 18.16 message', () => {
    const current = parseError(
      "Code: 27. DB::Exception: Cannot parse input: expected '\"' before: 'x}': (at row 3)\n: While executing ParallelParsingBlockInputFormat. (CANNOT_PARSE_INPUT_ASSERTION_FAILED) (version 24.8.4.13 (official build))\n",
    );
    expect(current).toBeInstanceOf(ClickHouseError);
    expect(clickHouseExceptionCode(current)).toBe(27);
    // 18.16 has no (TYPE) suffix: the client hands the text over in a plain Error.
    const old = parseError(
      'Code: 53, e.displayText() = DB::Exception: Type mismatch in IN or VALUES section, e.what() = DB::Exception\n',
    );
    expect(old).not.toBeInstanceOf(ClickHouseError);
    expect(clickHouseExceptionCode(old)).toBe(53);
    for (const code of [6, 26, 27, 38, 41, 53, 69, 70, 72, 117, 130]) {
      expect(
        isBadDataError(new ClickHouseError({ message: 'm', code: String(code), type: 'T' })),
        `${code}`,
      ).toBe(true);
    }
  });

  it('leaves server, table and network errors transient', () => {
    const econn = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    const notSure = [
      econn,
      new ClickHouseError({ message: 'Table default.x does not exist', code: '60', type: 'UNKNOWN_TABLE' }),
      new ClickHouseError({ message: 'Too many parts', code: '252', type: 'TOO_MANY_PARTS' }),
      new ClickHouseError({ message: 'Memory limit exceeded', code: '241', type: 'MEMORY_LIMIT_EXCEEDED' }),
      parseError('<html>502 Bad Gateway</html>'),
      'Code: 27',
    ];
    for (const err of notSure) expect(isBadDataError(err), String(err)).toBe(false);
    expect(clickHouseExceptionCode(econn)).toBeUndefined();
  });

  it('rejects an insert of bad rows with SINK_RECORD_REJECTED and a network failure with SINK_WRITE', async () => {
    let fail: Error | null = null;
    const client: ClickHouseLike = {
      command: async () => undefined,
      queryRows: async () => [],
      insertRows: async () => {
        if (fail !== null) throw fail;
      },
      async *streamRows() {
        yield* [];
      },
      ping: async () => true,
      close: async () => undefined,
    };
    const store = new ClickHouseRawEventStore({ client, maxBatchRows: 1, migrations: [] });
    const ev: RawEvent = {
      influencerId: 'inf',
      user: '0xu',
      market: 'BTC',
      eventType: 'fill',
      eventId: 'e1',
      listenerId: 'inf/primary',
      eventTime: 1,
      ingestTime: 2,
      payload: '{}',
    };
    fail = new ClickHouseError({ message: 'Cannot parse input', code: '27', type: 'CANNOT_PARSE_INPUT' });
    await expect(store.insert([ev])).rejects.toMatchObject({
      code: 'SINK_RECORD_REJECTED',
      retriable: false,
      context: { code: 27 },
    });
    fail = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(store.insert([ev])).rejects.toMatchObject({ code: 'SINK_WRITE', retriable: true });
    fail = null;
    await store.insert([ev]);
    await store.close();
  });
});
