// Smoke for test/harness/control.ts: services restarted from a worker come back on the same port
// with the same data dir, and the product's clients reconnect by themselves.
import { createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  createTopic,
  isControllable,
  serviceControl,
  services,
  testKafka,
  uniqueName,
} from '../harness/index.js';

describe('service control', () => {
  it.runIf(isControllable('redis'))('restarts Redis on the same port and the client reconnects', async () => {
    const redis = serviceControl('redis');
    const client = new Redis(services().redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    client.on('error', () => undefined); // expected while the server is down
    try {
      const key = uniqueName('ctl');
      await client.set(key, 'before');
      const pidBefore = redis.pid();
      await redis.restart();
      expect(redis.pid()).toBeDefined();
      expect(redis.pid()).not.toBe(pidBefore);
      // The same client object works again on the same URL (no persistence: the key is gone).
      expect(await client.ping()).toBe('PONG');
      expect(await client.get(key)).toBeNull();
      await client.set(key, 'after');
      expect(await client.get(key)).toBe('after');
    } finally {
      client.disconnect();
      await redis.start(); // no-op if running; later files share the service
    }
  });

  it.runIf(isControllable('clickhouse'))('restarts ClickHouse and the table data survives', async () => {
    const ch = serviceControl('clickhouse');
    const client = createClient({ url: services().clickhouse.url });
    const table = uniqueName('ctl_ch');
    try {
      await client.command({ query: `CREATE TABLE ${table} (id UInt32) ENGINE = MergeTree ORDER BY id` });
      await client.insert({ table, values: [{ id: 1 }, { id: 2 }], format: 'JSONEachRow' });
      await ch.restart();
      const rows = await (
        await client.query({ query: `SELECT id FROM ${table} ORDER BY id`, format: 'JSONEachRow' })
      ).json<{ id: number }>();
      expect(rows).toEqual([{ id: 1 }, { id: 2 }]);
      await client.command({ query: `DROP TABLE ${table}` });
    } finally {
      await client.close();
      await ch.start();
    }
  });

  it.runIf(isControllable('kafka'))(
    'stops and starts Kafka; the topic and its messages survive',
    async () => {
      const kafka = serviceControl('kafka');
      const topic = uniqueName('ctl_kafka');
      await createTopic(topic, { partitions: 1 });
      const client = testKafka();
      try {
        let producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        await producer.send({ topic, messages: [{ key: 'k', value: 'before' }] });
        await producer.disconnect();

        await kafka.stop();
        expect(kafka.pid()).toBeUndefined();
        await kafka.start();

        producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        await producer.send({ topic, messages: [{ key: 'k', value: 'after' }] });
        await producer.disconnect();

        const admin = client.admin();
        await admin.connect();
        const offsets = await admin.fetchTopicOffsets(topic);
        await admin.disconnect();
        expect(offsets.map((o) => o.high)).toEqual(['2']);
      } finally {
        await kafka.start();
      }
    },
  );
});
