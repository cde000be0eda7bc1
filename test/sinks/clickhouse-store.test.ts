import { describe, expect, it } from 'vitest';
import type { RawEvent } from '../../src/core/index.js';
import { ClickHouseRawEventStore } from '../../src/sinks/clickhouse/index.js';
import type { ClickHouseLike } from '../../src/sinks/clickhouse/index.js';
import { ManualClock, until } from '../kit/index.js';

class FakeClickHouse implements ClickHouseLike {
  readonly inserts: { table: string; rows: Record<string, unknown>[] }[] = [];
  readonly commands: string[] = [];
  down = false;
  async command(sql: string): Promise<void> {
    if (this.down) throw new Error('ECONNREFUSED');
    this.commands.push(sql);
  }
  async queryRows(): Promise<Record<string, unknown>[]> {
    if (this.down) throw new Error('ECONNREFUSED');
    return [];
  }
  async insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (this.down) throw new Error('ECONNREFUSED');
    this.inserts.push({ table, rows: [...rows] });
  }
  async *streamRows(): AsyncIterable<Record<string, unknown>> {
    yield* [];
  }
  async ping(): Promise<boolean> {
    return !this.down;
  }
  async close(): Promise<void> {}
}

const ev = (n: number): RawEvent => ({
  influencerId: 'inf',
  user: '0xu',
  market: 'BTC',
  eventType: 'fill',
  eventId: `e${n}`,
  listenerId: 'inf/primary',
  eventTime: 1000 + n,
  ingestTime: 2000 + n,
  payload: `{"n":${n}}`,
});

function setup(maxBatchRows = 3, maxBatchDelayMs = 500) {
  const client = new FakeClickHouse();
  const clock = new ManualClock();
  const store = new ClickHouseRawEventStore({ client, clock, maxBatchRows, maxBatchDelayMs, migrations: [] });
  return { client, clock, store };
}

describe('ClickHouseRawEventStore batching', () => {
  it('sends a batch as soon as it reaches maxBatchRows, in chunks of at most that size', async () => {
    const { client, store } = setup(3);
    await store.insert([ev(1), ev(2), ev(3), ev(4), ev(5), ev(6), ev(7)]);
    expect(client.inserts.map((i) => i.rows.length)).toEqual([3, 3, 1]);
    expect(client.inserts[0]?.table).toBe('raw_events');
    expect(client.inserts[0]?.rows[0]).toEqual({
      influencer_id: 'inf',
      user: '0xu',
      market: 'BTC',
      event_type: 'fill',
      event_id: 'e1',
      listener_id: 'inf/primary',
      event_time: 1001,
      ingest_time: 2001,
      payload: '{"n":1}',
      reason: '',
      version: Number.MAX_SAFE_INTEGER - 2001,
    });
  });

  it('merges small inserts and sends them after maxBatchDelayMs', async () => {
    const { client, clock, store } = setup(100, 500);
    let done = 0;
    const a = store.insert([ev(1)]).then(() => done++);
    const b = store.insert([ev(2), ev(3)]).then(() => done++);
    await until(() => clock.pending === 1, 1000, 'the batch timer to be armed');
    clock.advance(499);
    expect(clock.pending).toBe(1); // the batch still waits on its timer
    expect(client.inserts).toHaveLength(0);
    expect(done).toBe(0);
    clock.advance(1);
    await Promise.all([a, b]);
    expect(client.inserts.map((i) => i.rows.map((r) => r['event_id']))).toEqual([['e1', 'e2', 'e3']]);
  });

  it('rejects every caller of a failed batch with a retriable SinkError, then works again', async () => {
    const { client, store } = setup(2);
    client.down = true;
    await expect(store.insert([ev(1), ev(2)])).rejects.toMatchObject({ retriable: true });
    expect(await store.ping()).toBe(false);
    client.down = false;
    await store.insert([ev(1), ev(2)]);
    expect(client.inserts).toHaveLength(1);
    await store.close();
    await expect(store.insert([ev(3)])).rejects.toThrow(/closed/);
  });

  it('applies the migrations once, before the first insert', async () => {
    const client = new FakeClickHouse();
    const store = new ClickHouseRawEventStore({ client, maxBatchRows: 1, clock: new ManualClock() });
    await store.insert([ev(1)]);
    await store.insert([ev(2)]);
    expect(client.commands.filter((c) => c.includes('CREATE TABLE IF NOT EXISTS raw_events'))).toHaveLength(
      1,
    );
    expect(client.commands[0]).toContain('schema_migrations');
  });
});
