/**
 * The `ingest influencers` CLI against the harness's real Redis, invoked in-process through
 * main(argv). Each test uses its own key prefix, so nothing collides across tests or runs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { influencerKeys } from '../../src/influencers/index.js';
import type { ChangeNotice, Influencer } from '../../src/influencers/index.js';
import { RedisInfluencerStore } from '../../src/influencers/redis-store.js';
import { services, uniqueName } from '../harness/index.js';
import { runCli } from '../config/run-cli.js';
import { ADDR } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ingest-cli-it-'));
let redis: Redis;
let url: string;
let prefix: string;

beforeAll(() => {
  url = services().redis.url;
  redis = new Redis(url);
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = `${uniqueName('cli')}:`;
  vi.stubEnv('INGEST_REDIS_KEY_PREFIX', prefix);
  vi.stubEnv('INGEST_REDIS_URL', url);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const cli = (...args: string[]) => runCli(['influencers', ...args]);

/** Every key under this test's prefix with its content, to prove a failed command wrote nothing. */
async function dump(): Promise<Record<string, unknown>> {
  const keys = (await redis.keys(`${prefix}*`)).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const t = await redis.type(k);
    out[k] =
      t === 'set'
        ? (await redis.smembers(k)).sort()
        : t === 'hash'
          ? await redis.hgetall(k)
          : t === 'stream'
            ? await redis.xlen(k)
            : await redis.get(k);
  }
  return out;
}

async function show(ref: string): Promise<Influencer> {
  const r = await cli('show', ref, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Influencer;
}

describe('ingest influencers (real Redis)', () => {
  it('add, show by id and by address, list', async () => {
    const a = await cli(
      'add',
      ADDR(0xabc).toUpperCase().replace('0X', '0x'),
      '--id',
      'whale',
      '--label',
      'The Whale',
      '--priority',
      '5',
      '--markets',
      'BTC,ETH',
      '--actor',
      'alice',
    );
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(`added whale ${ADDR(0xabc)} "The Whale"\n`);
    expect(await show('whale')).toMatchObject({
      id: 'whale',
      address: ADDR(0xabc),
      priority: 5,
      markets: ['BTC', 'ETH'],
      version: 1,
    });
    expect((await show(ADDR(0xabc))).id).toBe('whale');
    expect((await cli('add', ADDR(2), '--label', 'Second One')).code).toBe(0);
    const l = await cli('list');
    expect(l.code).toBe(0);
    expect(l.stdout.split('\n')[0]).toMatch(
      /^ID\s+ADDRESS\s+LABEL\s+ENABLED\s+PRIORITY\s+MARKETS\s+VERSION$/,
    );
    expect(l.stdout).toContain('second-one');
    const lj = JSON.parse((await cli('list', '--json')).stdout) as { influencers: Influencer[] };
    expect(lj.influencers.map((i) => i.id)).toEqual(['second-one', 'whale']);
  });

  it('list and show print terminal control codes in a label as visible escapes, never raw', async () => {
    const hostile = 'Evil\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eLabel';
    expect((await cli('add', ADDR(7), '--id', 'evil', '--label', hostile)).code).toBe(0);
    for (const args of [['list'], ['show', 'evil']]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, args.join(' ')).toContain('evil');
      // eslint-disable-next-line no-control-regex -- asserting their absence
      expect(r.stdout, args.join(' ')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    }
    expect((await cli('list')).stdout).toContain('Evil\\u{1b}]0;pwned\\u{7}');
    // --json stays exact (JSON escapes the C0 controls itself); the label round-trips.
    expect((await show('evil')).label).toBe(hostile);
  });

  it('set, enable/disable and remove, each with an audit entry and a change notice in the same transaction', async () => {
    const keys = influencerKeys(prefix);
    const sub = new Redis(url);
    const notices: ChangeNotice[] = [];
    sub.on('message', (_c: string, m: string) => notices.push(JSON.parse(m) as ChangeNotice));
    await sub.subscribe(keys.changes);
    try {
      expect((await cli('add', ADDR(1), '--id', 'w1', '--actor', 'alice')).code).toBe(0);
      const s = await cli('set', 'w1', 'priority=9', 'signal.aggregation=order', '--actor', 'bob');
      expect(s.code, s.stderr).toBe(0);
      expect(s.stdout).toBe('~ w1 priority: 0 -> 9\n~ w1 signal.aggregation: (unset) -> "order"\n');
      expect((await cli('disable', ADDR(1), '--actor', 'bob')).stdout).toBe('disabled w1\n');
      expect((await cli('disable', 'w1')).stdout).toBe('w1 already disabled; nothing changed\n');
      expect((await cli('enable', 'w1', '--actor', 'carol')).code).toBe(0);
      expect(await show('w1')).toMatchObject({
        priority: 9,
        enabled: true,
        version: 4,
        signal: { aggregation: 'order' },
      });
      expect((await cli('remove', 'w1', '--actor', 'dave')).stdout).toBe(`removed w1 ${ADDR(1)}\n`);
      expect((await cli('show', 'w1')).code).toBe(4);
      expect(await redis.get(keys.address(ADDR(1)))).toBeNull();

      const store = new RedisInfluencerStore({ connection: { url, keyPrefix: prefix } });
      const audit = await store.audit();
      await store.close();
      expect(audit.map((e) => [e.action, e.actor, e.version])).toEqual([
        ['add', 'alice', 1],
        ['set', 'bob', 2],
        ['disable', 'bob', 3],
        ['enable', 'carol', 4],
        ['remove', 'dave', 5],
      ]);
      expect(audit[0]?.before).toBeNull();
      expect(audit[1]?.before?.priority).toBe(0);
      expect(audit[1]?.after?.priority).toBe(9);
      expect(audit[4]?.after).toBeNull();
      expect(Date.parse(audit[0]?.at ?? '')).not.toBeNaN();
      await vi.waitFor(() => expect(notices).toHaveLength(5), { timeout: 2000 });
      expect(notices.map((n) => [n.action, n.ids, n.version])).toEqual([
        ['add', ['w1'], 1],
        ['set', ['w1'], 2],
        ['disable', ['w1'], 3],
        ['enable', ['w1'], 4],
        ['remove', ['w1'], 5],
      ]);
    } finally {
      await sub.quit();
    }
  });

  it('set stores backoff/throttling overrides and says which one is not applied', async () => {
    expect((await cli('add', ADDR(1), '--id', 'w1')).code).toBe(0);
    const applied = await cli('set', 'w1', 'backoff.factor=3', 'throttling.resubscribeMinIntervalMs=2000');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toBe('');
    const b = await cli('set', 'w1', 'throttling.maxSignalsPerMinute=60');
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/^note: throttling\.maxSignalsPerMinute is stored but not applied/);
    expect(await show('w1')).toMatchObject({
      backoff: { factor: 3 },
      throttling: { maxSignalsPerMinute: 60, resubscribeMinIntervalMs: 2000 },
    });
  });

  it('bad input: one-line error, non-zero exit, Redis unchanged', async () => {
    expect((await cli('add', ADDR(1), '--id', 'w1')).code).toBe(0);
    const before = await dump();
    const cases: [string[], number, RegExp][] = [
      [['add', '0x1234', '--id', 'x'], 3, /address/],
      [['add', ADDR(7), '--id', 'Bad Id!'], 3, /id: expected a slug/],
      [['add', ADDR(7), '--id', 'x', '--priority', 'high'], 3, /priority: expected an integer/],
      [['add', ADDR(1), '--id', 'other'], 6, /already used by "w1"/],
      [['add', ADDR(8), '--id', 'w1'], 6, /"w1" already exists/],
      [['add', ADDR(8), '--colour', 'red'], 2, /unknown option/],
      [['set', 'w1', 'colour=red'], 3, /unknown key "colour"/],
      [['set', 'w1', 'priority=1.5'], 3, /priority: expected an integer/],
      [['set', 'nobody', 'priority=1'], 4, /not found/],
      [['remove', ADDR(99)], 4, /not found/],
      [['import', join(dir, 'missing.yaml')], 4, /cannot read/],
      [['show'], 2, /missing required argument/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await cli(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      `- { id: ok, address: "${ADDR(3)}" }\n- { id: nope, address: "${ADDR(4)}", colour: red }\n`,
    );
    const r = await cli('import', bad);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/nope: .*colour/);
    expect(await dump()).toEqual(before);
  });

  it('Redis unreachable: exit 5 with one line', async () => {
    const r = await cli('list', '--redis-url', 'redis://127.0.0.1:1');
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^ingest: Redis at redis:\/\/127\.0\.0\.1:1 is unreachable/);
  });

  it('import: dry-run prints the diff and writes nothing; a real import applies it; --prune removes', async () => {
    for (const [id, n] of [
      ['keep', 1],
      ['change', 2],
      ['drop', 3],
    ] as const) {
      expect((await cli('add', ADDR(n), '--id', id)).code).toBe(0);
    }
    const file = join(dir, 'import.yaml');
    writeFileSync(
      file,
      [
        `- { id: keep, address: "${ADDR(1)}" }`,
        `- { id: change, address: "${ADDR(2)}", priority: 4, enabled: false }`,
        `- { id: fresh, address: "${ADDR(5)}", label: Fresh }`,
        '',
      ].join('\n'),
    );
    const before = await dump();
    const dry = await cli('import', file, '--dry-run', '--prune');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(
      [
        `+ fresh ${ADDR(5)} "Fresh"`,
        `- drop ${ADDR(3)} "drop"`,
        '~ change enabled: true -> false',
        '~ change priority: 0 -> 4',
        'dry run: 1 added, 1 changed, 1 removed, 1 unchanged; nothing written',
        '',
      ].join('\n'),
    );
    expect(await dump()).toEqual(before);

    const noPrune = JSON.parse((await cli('import', file, '--json')).stdout) as Record<string, unknown>;
    expect(noPrune).toEqual({
      dryRun: false,
      added: ['fresh'],
      removed: [],
      changed: [{ id: 'change', fields: ['enabled', 'priority'] }],
      unchanged: 2,
    });
    expect((await cli('show', 'drop')).code).toBe(0);
    const pruned = await cli('import', file, '--prune', '--actor', 'importer');
    expect(pruned.stdout).toMatch(/imported: 0 added, 0 changed, 1 removed, 3 unchanged/);
    const ids = (
      JSON.parse((await cli('list', '--json')).stdout) as { influencers: Influencer[] }
    ).influencers.map((i) => i.id);
    expect(ids).toEqual(['change', 'fresh', 'keep']);
    expect((await show('change')).version).toBe(2);
  });

  it('import rejects an address that would be shared by two records', async () => {
    expect((await cli('add', ADDR(1), '--id', 'a')).code).toBe(0);
    const file = join(dir, 'clash.json');
    writeFileSync(file, JSON.stringify([{ id: 'b', address: ADDR(1) }]));
    const before = await dump();
    const r = await cli('import', file);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/would be used by both "a" and "b"/);
    expect(await dump()).toEqual(before);
  });

  it('export round-trip: export, wipe, import gives the same records; re-import is a no-op', async () => {
    expect((await cli('add', ADDR(1), '--id', 'a', '--markets', 'BTC', '--aggregation', 'order')).code).toBe(
      0,
    );
    expect(
      (await cli('add', ADDR(2), '--id', 'b', '--priority', '-3', '--listener-kinds', 'market-stream')).code,
    ).toBe(0);
    for (const format of ['yaml', 'json']) {
      const out = join(dir, `export.${format}`);
      const e = await cli('export', '--out', out);
      expect(e.code, e.stderr).toBe(0);
      const again = await cli('import', out, '--json');
      expect(JSON.parse(again.stdout)).toMatchObject({ added: [], removed: [], changed: [], unchanged: 2 });
    }
    const exported = readFileSync(join(dir, 'export.yaml'), 'utf8');
    const original = (JSON.parse((await cli('list', '--json')).stdout) as { influencers: Influencer[] })
      .influencers;
    await redis.del(...(await redis.keys(`${prefix}*`)));
    writeFileSync(join(dir, 'rt.yaml'), exported);
    expect((await cli('import', join(dir, 'rt.yaml'))).code).toBe(0);
    const restored = (JSON.parse((await cli('list', '--json')).stdout) as { influencers: Influencer[] })
      .influencers;
    const content = (i: Influencer) => ({ ...i, updatedAt: undefined, version: undefined });
    expect(restored.map(content)).toEqual(original.map(content));
    const stdoutExport = await cli('export', '--format', 'json');
    expect((JSON.parse(stdoutExport.stdout) as { influencers: unknown[] }).influencers).toHaveLength(2);
  });
  it('set address moves the address index; a taken address is a conflict', async () => {
    const keys = influencerKeys(prefix);
    expect((await cli('add', ADDR(1), '--id', 'a')).code).toBe(0);
    expect((await cli('add', ADDR(2), '--id', 'b')).code).toBe(0);
    const taken = await cli('set', 'a', `address=${ADDR(2)}`);
    expect(taken.code).toBe(6);
    expect(taken.stderr).toMatch(/already used by "b"/);
    expect((await cli('set', 'a', `address=${ADDR(3)}`)).code).toBe(0);
    expect(await redis.get(keys.address(ADDR(1)))).toBeNull();
    expect(await redis.get(keys.address(ADDR(3)))).toBe('a');
    expect((await cli('add', ADDR(1), '--id', 'c')).code).toBe(0);
  });

  it('concurrent writers: every change either commits whole or fails with a conflict', async () => {
    expect((await cli('add', ADDR(1), '--id', 'a')).code).toBe(0);
    const stores = Array.from(
      { length: 8 },
      () => new RedisInfluencerStore({ connection: { url, keyPrefix: prefix } }),
    );
    try {
      const results = await Promise.allSettled(
        stores.map((s, i) => s.set('a', [`priority=${i + 1}`], `w${i}`)),
      );
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      }
      expect(ok).toBeGreaterThanOrEqual(1);
      const final = await show('a');
      expect(final.version).toBe(1 + ok);
      const audit = await stores[0]?.audit();
      expect(audit?.filter((e) => e.action === 'set')).toHaveLength(ok);
      expect(audit?.at(-1)?.after?.priority).toBe(final.priority);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('remove clears a record that was corrupted behind the CLI, with an audit entry', async () => {
    expect((await cli('add', ADDR(7), '--id', 'bad')).code).toBe(0);
    const corrupt = JSON.stringify({ id: 'bad', address: ADDR(7), colour: 'red' });
    await redis.hset(`${prefix}influencer:bad`, 'json', corrupt);
    // show cannot read it, remove can clear it.
    expect((await cli('show', 'bad')).code).toBe(4);
    const r = await cli('remove', 'bad', '--actor', 'ops');
    expect({ code: r.code, out: r.stdout }).toEqual({ code: 0, out: 'removed invalid record bad\n' });
    expect(await redis.exists(`${prefix}influencer:bad`)).toBe(0);
    expect(await redis.sismember(`${prefix}influencers:ids`, 'bad')).toBe(0);
    expect(await redis.exists(`${prefix}influencers:address:${ADDR(7).toLowerCase()}`)).toBe(0);
    const audit = await redis.xrevrange(`${prefix}influencers:audit`, '+', '-', 'COUNT', 1);
    const fields = audit[0]?.[1] ?? [];
    expect(fields[fields.indexOf('before') + 1]).toBe(corrupt);
    // The address is free again.
    expect((await cli('add', ADDR(7), '--id', 'good')).code).toBe(0);
  });
});
