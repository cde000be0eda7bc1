// Proves the DDL migrations and the replay query run unchanged on a current ClickHouse (chdb,
// embedded 26.x). chdb binds one data directory per process: every chdb test lives in this file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawEvent } from '../../src/core/index.js';
import {
  applyMigrations,
  fromRow,
  loadMigrations,
  replaySql,
  toRow,
} from '../../src/sinks/clickhouse/index.js';
import type { SqlExecutor } from '../../src/sinks/clickhouse/index.js';
import { deadLetterToRawEvent } from '../../src/sinks/index.js';

let dir: string;
let session: Session;
let exec: SqlExecutor;

const rows = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chdb-'));
  session = new Session(dir);
  exec = {
    command: async (sql) => {
      session.query(sql);
    },
    queryRows: async (sql) => rows(session.query(sql, 'JSONEachRow')),
  };
});

afterAll(async () => {
  session.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const ev = (over: Partial<RawEvent>): RawEvent => ({
  influencerId: 'inf-1',
  user: '0xabc',
  market: 'BTC',
  eventType: 'fill',
  eventId: 'e',
  listenerId: 'inf-1/primary',
  eventTime: 1_700_000_000_000,
  ingestTime: 1_700_000_000_100,
  payload: '{}',
  ...over,
});

function insert(events: readonly (RawEvent & { reason?: string })[]): void {
  const body = events.map((e) => JSON.stringify(toRow(e))).join('\n');
  session.query(`INSERT INTO raw_events FORMAT JSONEachRow ${body}`);
}

describe('ClickHouse DDL on current ClickHouse (chdb)', () => {
  it('applies every migration in order, records them, and is idempotent', async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual([1, 2]);
    const first = await applyMigrations(exec, migrations);
    expect(first.applied).toEqual([1, 2]);
    const second = await applyMigrations(exec, migrations);
    expect(second).toEqual({ applied: [], skipped: [1, 2] });
    const recorded = await exec.queryRows(
      'SELECT version, name FROM schema_migrations FINAL ORDER BY version',
    );
    expect(recorded.map((r) => [Number(r['version']), r['name']])).toEqual([
      [1, 'raw_events'],
      [2, 'dead_letters_view'],
    ]);
    // The statements themselves are idempotent too (a racing second instance).
    for (const m of migrations) for (const s of m.statements) await exec.command(s);
    const engine = await exec.queryRows(
      "SELECT engine, partition_key, sorting_key FROM system.tables WHERE name = 'raw_events' AND database = currentDatabase()",
    );
    expect(engine[0]?.['engine']).toBe('ReplacingMergeTree');
    expect(String(engine[0]?.['partition_key'])).toContain('toYYYYMM');
  });

  it('replays deduplicated events in event_time order with influencer, market and time filters', () => {
    const t = 1_700_000_000_000;
    insert([
      ev({ eventId: 'e3', eventTime: t + 3000, payload: '{"n":3}' }),
      ev({ eventId: 'e1', eventTime: t + 1000, payload: '{"n":1}' }),
      ev({ eventId: 'e2', eventTime: t + 2000, payload: '{"n":2}' }),
      ev({ eventId: 'e4', eventTime: t + 40 * 86_400_000, payload: '{"n":4}' }), // next month's partition
      ev({ eventId: 'x1', market: 'ETH', eventTime: t + 1500 }),
      ev({ eventId: 'y1', influencerId: 'inf-2', eventTime: t + 1500 }),
      ev({ eventId: 'e1b', eventType: 'trade', eventTime: t + 1000 }),
    ]);
    // Re-sends (second listener, retries after an outage) in another insert: same key, ingested later.
    insert([
      ev({
        eventId: 'e2',
        eventTime: t + 2000,
        payload: '{"n":2}',
        listenerId: 'inf-1/secondary',
        ingestTime: t + 9999,
      }),
      ev({ eventId: 'e1', eventTime: t + 1000, payload: '{"n":1}', ingestTime: t + 9999 }),
    ]);
    insert([
      deadLetterToRawEvent(
        {
          reason: 'invalid_json',
          detail: 'x',
          listenerId: 'inf-1/primary',
          channel: null,
          receivedAt: t,
          payload: '{',
        },
        t,
      ),
    ]);

    const run = (sql: string): RawEvent[] => rows(session.query(sql, 'JSONEachRow')).map(fromRow);
    const fills = run(replaySql({ influencerId: 'inf-1', market: 'BTC', eventTypes: ['fill'] }));
    expect(fills.map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3', 'e4']);
    // The later re-send (ingested at t + 9999) loses: the first arrival is kept.
    expect(fills[1]?.listenerId).toBe('inf-1/primary');
    expect(typeof fills[0]?.eventTime).toBe('number');

    const window = run(replaySql({ influencerId: 'inf-1', market: 'BTC', fromMs: t + 1000, toMs: t + 3000 }));
    expect(window.map((e) => e.eventId)).toEqual(['e1', 'e1b', 'e2']);

    const allMarkets = run(replaySql({ influencerId: 'inf-1', toMs: t + 2500 }));
    expect(allMarkets.map((e) => e.eventId)).toEqual(['e1', 'e1b', 'x1', 'e2']);

    const letters = run(replaySql({ influencerId: '', eventTypes: ['dead_letter'] }));
    expect(letters).toHaveLength(1);
    const view = rows(
      session.query('SELECT reason, count() AS n FROM dead_letters GROUP BY reason', 'JSONEachRow'),
    );
    expect(view.map((r) => [r['reason'], Number(r['n'])])).toEqual([['invalid_json', 1]]);
  });

  it('escapes hostile filter values instead of injecting them', () => {
    const odd = "B'T\\C\n--";
    insert([ev({ eventId: 'odd', market: odd })]);
    const found = rows(session.query(replaySql({ influencerId: 'inf-1', market: odd }), 'JSONEachRow')).map(
      fromRow,
    );
    expect(found.map((e) => [e.eventId, e.market])).toEqual([['odd', odd]]);
    expect(() => replaySql({ influencerId: 'x', fromMs: -1 })).toThrow(/fromMs/);
  });
});

describe('aggregation gold DDL on current ClickHouse (chdb)', () => {
  it('applies, stores golden vectors, and keeps the complete revision over a partial one', async () => {
    const agg = await import('../../src/pipeline/aggregation/index.js');
    const gold = await loadMigrations(agg.goldMigrationsDir());
    expect(gold.map((m) => m.version)).toEqual([1001]);
    expect((await applyMigrations(exec, gold)).applied).toEqual([1001]);
    const vectors = agg.goldenVectors();
    const body = (rs: Record<string, unknown>[]): string => rs.map((r) => JSON.stringify(r)).join('\n');
    session.query(`INSERT INTO gold_feature_vectors FORMAT JSONEachRow ${body(vectors.map(agg.goldRowOf))}`);
    // The same window again as an early (partial) emit: revision 0 must lose to revision 1.
    const complete = vectors.find((v) => v.revision === 1);
    if (complete === undefined) throw new Error('no complete golden vector');
    session.query(
      `INSERT INTO gold_feature_vectors FORMAT JSONEachRow ${body([{ ...agg.goldRowOf(complete), revision: 0, features_hash: 'stale' }])}`,
    );
    const got = rows(
      session.query(
        `SELECT window_key, revision, features_hash FROM gold_feature_vectors FINAL WHERE window_key = '${complete.windowKey}'`,
        'JSONEachRow',
      ),
    );
    expect(got.map((r) => [r['revision'], r['features_hash']])).toEqual([[1, complete.featuresHash]]);
    const n = rows(session.query('SELECT count() AS n FROM gold_feature_vectors FINAL', 'JSONEachRow'));
    expect(Number(n[0]?.['n'])).toBe(vectors.length);
  });
});
