// One conformance suite every SignalPublisher adapter must pass (the local NDJSON log in unit
// tests, Kafka in the integration tests), so the DurableQueue in front can rely on the same
// promise from each: what publish acknowledged is there, with key, value and headers; per key
// in publish order; close keeps what was acknowledged and refuses later publishes by code.
import { expect, it } from 'vitest';
import type { SignalPublisher, SinkRecord } from '../../src/sinks/index.js';

/** One delivered record as the adapter's reader sees it (file line or Kafka message). */
export interface Delivered {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface PublisherFixture {
  readonly publisher: SignalPublisher;
  /** Everything delivered so far, in delivery order per key (reads the sink itself). */
  read(): Promise<Delivered[]>;
}

function record(n: number, key: string): SinkRecord {
  return {
    id: `sig-${n}`,
    key,
    value: JSON.stringify({ n, key }),
    headers: { 'schema-version': '1', 'content-type': 'application/json', 'trace-id': `t-${n}` },
    createdAt: 1_700_000_000_000 + n,
  };
}

const delivered = (r: SinkRecord): Delivered => ({ key: r.key, value: r.value, headers: r.headers });
const byValue = (a: Delivered, b: Delivered): number => a.value.localeCompare(b.value);

export function signalPublisherConformance(make: () => Promise<PublisherFixture>): void {
  it('once publish resolves, every record is delivered with its key, value and headers', async () => {
    const { publisher, read } = await make();
    try {
      const records = [record(1, 'inf-a|BTC'), record(2, 'inf-b|ETH'), record(3, 'inf-a|xyz:TSLA')];
      await publisher.publish(records);
      expect([...(await read())].sort(byValue)).toEqual(records.map(delivered).sort(byValue));
      expect(await publisher.ping()).toBe(true);
    } finally {
      await publisher.close();
    }
  });

  it('records of one key arrive in publish order, within and across batches', async () => {
    const { publisher, read } = await make();
    try {
      const keys = ['inf-a|BTC', 'inf-b|BTC', 'inf-c|ETH'];
      const all = Array.from({ length: 60 }, (_, n) => record(n, keys[n % keys.length] as string));
      for (let i = 0; i < all.length; i += 7) await publisher.publish(all.slice(i, i + 7));
      const got = await read();
      expect(got).toHaveLength(all.length);
      for (const key of keys) {
        const sent = all.filter((r) => r.key === key).map((r) => r.value);
        expect(got.filter((d) => d.key === key).map((d) => d.value)).toEqual(sent);
      }
    } finally {
      await publisher.close();
    }
  });

  it('an empty batch resolves and delivers nothing; the next batch still lands alone', async () => {
    const { publisher, read } = await make();
    try {
      await publisher.publish([]);
      await publisher.publish([record(9, 'inf-a|BTC')]);
      expect(await read()).toEqual([delivered(record(9, 'inf-a|BTC'))]);
    } finally {
      await publisher.close();
    }
  });

  it('close keeps what was acknowledged, can be called twice, and later publishes fail by code', async () => {
    const { publisher, read } = await make();
    await publisher.publish([record(1, 'inf-a|BTC'), record(2, 'inf-a|BTC')]);
    await publisher.close();
    await expect(publisher.close()).resolves.toBeUndefined();
    await expect(publisher.publish([record(3, 'inf-a|BTC')])).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
    });
    expect((await read()).map((d) => d.value)).toEqual([1, 2].map((n) => record(n, 'inf-a|BTC').value));
  });
}
