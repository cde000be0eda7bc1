import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import {
  ALL_METRIC_NAMES,
  METRIC_NAMES as N,
  Metrics,
  OVERFLOW_LABEL_VALUE,
  coverageOf,
} from '../../src/obs/index.js';
import { find, parseExposition, value } from './prom-text.js';
import type { Exposition } from './prom-text.js';

async function scrape(m: Metrics): Promise<Exposition> {
  return parseExposition((await m.scrape()).body);
}

/** Drives every Metrics method with known inputs. */
function exercise(m: Metrics): void {
  m.connectionOpened({ role: 'primary', kind: 'user-stream', pool: 'ip-a' });
  m.connectionOpened({ role: 'primary', kind: 'user-stream', pool: 'ip-a' });
  m.connectionOpened({ role: 'secondary', kind: 'market-stream', pool: 'ip-b' });
  m.connectionClosed({ role: 'primary', kind: 'user-stream', pool: 'ip-a', reason: 'heartbeat_timeout' });
  m.reconnect({ role: 'primary', kind: 'user-stream', reason: 'heartbeat_timeout' });
  m.reconnect({ role: 'primary', kind: 'user-stream', reason: 'heartbeat_timeout' });
  m.reconnect({ role: 'secondary', kind: 'market-stream', reason: 'remote_close' });
  m.listenerState({ influencer: 'alice', role: 'primary', kind: 'user-stream', state: 'live' });
  m.listenerState({ influencer: 'alice', role: 'secondary', kind: 'market-stream', state: 'live' });
  m.listenerState({ influencer: 'bob', role: 'primary', kind: 'user-stream', state: 'live' });
  m.listenerState({ influencer: 'bob', role: 'secondary', kind: 'market-stream', state: 'live' });
  m.listenerState({ influencer: 'bob', role: 'primary', kind: 'user-stream', state: 'stalled' });
  m.listenerLag({ role: 'primary', kind: 'user-stream', ms: 120 });
  m.listenerLag({ role: 'secondary', kind: 'market-stream', ms: 40 });
  m.listenerSkew({ influencer: 'alice', ms: 15 });
  m.listenerSkew({ influencer: 'bob', ms: 2500 });
  m.failover({ influencer: 'bob', reason: 'primary_stalled' });
  m.failover({ influencer: 'bob', reason: 'primary_stalled' });
  m.failover({ influencer: 'alice', reason: 'primary_down' });
  m.roleRotation({ influencer: 'alice', reason: 'scheduled' });
  m.messageReceived({ channel: 'userFills' });
  m.messageReceived({ channel: 'userFills' });
  m.messageReceived({ channel: 'trades' });
  m.messageReceivedFor({ influencer: 'alice', market: 'BTC' });
  m.messageReceivedFor({ influencer: 'alice', market: 'BTC' });
  m.messageReceivedFor({ influencer: 'bob', market: 'xyz:TSLA' });
  m.tradesSeen(7);
  m.signalEmitted({ action: 'OPEN', marketClass: 'perp' });
  m.signalEmitted({ action: 'OPEN', marketClass: 'perp' });
  m.signalEmitted({ action: 'FLIP', marketClass: 'hip3' });
  m.duplicateSuppressed({ role: 'secondary' });
  m.duplicateSuppressed({ role: 'secondary' });
  m.duplicateSuppressed({ role: 'primary' });
  m.eventMissed({ role: 'primary' });
  m.frameRejected({ reason: 'schema_mismatch' });
  m.frameRejected({ reason: 'invalid_json' });
  m.deadLettered({ reason: 'schema_mismatch' });
  m.gapDetected();
  m.gapDetected();
  m.gapBackfilled({ outcome: 'filled' });
  m.restWeightUsed(20, { pool: 'ip-a' });
  m.restWeightUsed(2, { pool: 'ip-a' });
  m.budgetUse({ pool: 'ip-a', resource: 'users', used: 9, limit: 10 });
  m.budgetUse({ pool: 'ip-a', resource: 'connections', used: 3, limit: 10 });
  m.budgetUse({ pool: 'ip-a', resource: 'subscriptions', used: 150, limit: 1000 });
  m.sinkQueueDepth({ sink: 'kafka' }, 42);
  m.spoolSize({ sink: 'kafka' }, 4096, 12);
  m.publishLatency({ sink: 'kafka' }, 0.004);
  m.publishLatency({ sink: 'kafka' }, 0.02);
  m.publishLatency({ sink: 'clickhouse' }, 0.3);
  m.sinkThreadGc({ kind: 'minor' }, 0.0012);
  m.sinkThreadGc({ kind: 'major' }, 0.017);
  m.sinkThreadGc({ kind: 'minor' }, 0.0008);
  m.recordShed({ sink: 'dead-letters', reason: 'future_time', spool: 'behind' });
  m.fillDropped({ reason: 'stale' });
  m.faninHeld({ reason: 'gap' }, 0);
  m.faninHeld({ reason: 'peer_behind' });
  m.faninHeld({ reason: 'peer_behind' });
  m.cursorRefused({ op: 'write' });
  m.endToEndLatency(0.012);
  m.endToEndLatency(0.03);
  m.endToEndLatency(1.5);
  m.signalAge(0.018);
  m.signalAge(0.4);
  m.coverage({ dual: 1, single: 1, dark: 0 });
  m.influencerHealthyListeners({ influencer: 'alice' }, 2);
  m.influencerHealthyListeners({ influencer: 'bob' }, 1);
}

describe('Metrics', () => {
  it('exposes every catalogued metric with a # TYPE line, plus process metrics', async () => {
    const m = new Metrics({ perInfluencerLabels: true });
    exercise(m);
    const exp = await scrape(m);
    for (const name of ALL_METRIC_NAMES) {
      const base = name;
      expect(exp.types.has(base), `missing ${base}`).toBe(true);
    }
    expect(exp.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(exp.types.has('nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('uses prefix ingest_, _total only on counters, and base units', () => {
    for (const name of ALL_METRIC_NAMES) expect(name.startsWith('ingest_')).toBe(true);
    const m = new Metrics({ collectDefaultMetrics: false });
    return scrape(m).then((exp) => {
      for (const [name, type] of exp.types) {
        expect(name.endsWith('_total'), `${name} is a ${type}`).toBe(type === 'counter');
        expect(name).not.toMatch(/_(ms|milliseconds)$/);
      }
    });
  });

  it('records exactly what the events said', async () => {
    const m = new Metrics({ perInfluencerLabels: true, collectDefaultMetrics: false });
    exercise(m);
    const exp = await scrape(m);
    const conn = { role: 'primary', kind: 'user-stream', pool: 'ip-a' };
    expect(value(exp, N.connectionsOpened, conn)).toBe(2);
    expect(value(exp, N.connectionsOpen, conn)).toBe(1);
    expect(value(exp, N.connectionsClosed, { ...conn, reason: 'heartbeat_timeout' })).toBe(1);
    expect(
      value(exp, N.reconnects, { role: 'primary', kind: 'user-stream', reason: 'heartbeat_timeout' }),
    ).toBe(2);
    expect(
      value(exp, N.reconnects, { role: 'secondary', kind: 'market-stream', reason: 'remote_close' }),
    ).toBe(1);

    // Exactly one state series per listener: bob/primary moved live -> stalled.
    expect(find(exp, N.listenerState, { influencer: 'bob', role: 'primary' })).toEqual([
      {
        name: N.listenerState,
        labels: { influencer: 'bob', role: 'primary', kind: 'user-stream', state: 'stalled' },
        value: 1,
      },
    ]);
    expect(find(exp, N.listenerState)).toHaveLength(4);
    expect(value(exp, N.listeners, { role: 'primary', kind: 'user-stream', state: 'live' })).toBe(1);
    expect(value(exp, N.listeners, { role: 'primary', kind: 'user-stream', state: 'stalled' })).toBe(1);
    expect(value(exp, N.listeners, { role: 'secondary', kind: 'market-stream', state: 'live' })).toBe(2);

    expect(value(exp, `${N.listenerLag}_count`, { role: 'primary', kind: 'user-stream' })).toBe(1);
    expect(value(exp, `${N.listenerLag}_sum`, { role: 'primary', kind: 'user-stream' })).toBeCloseTo(0.12);
    expect(value(exp, `${N.listenerSkew}_count`)).toBe(2);
    expect(value(exp, N.influencerSkew, { influencer: 'bob' })).toBeCloseTo(2.5);

    expect(value(exp, N.failovers, { reason: 'primary_stalled' })).toBe(2);
    expect(value(exp, N.failovers, { reason: 'primary_down' })).toBe(1);
    expect(find(exp, N.failovers).reduce((a, s) => a + s.value, 0)).toBe(3);
    expect(value(exp, N.influencerFailovers, { influencer: 'bob' })).toBe(2);
    expect(value(exp, N.roleRotations, { reason: 'scheduled' })).toBe(1);

    expect(value(exp, N.messagesReceived, { channel: 'userFills' })).toBe(2);
    expect(value(exp, N.messagesReceived, { channel: 'trades' })).toBe(1);
    expect(value(exp, N.influencerMessagesReceived, { influencer: 'alice', market: 'BTC' })).toBe(2);
    expect(value(exp, N.influencerMessagesReceived, { influencer: 'bob', market: 'xyz:TSLA' })).toBe(1);
    expect(value(exp, N.tradesSeen)).toBe(7);
    expect(value(exp, N.signalsEmitted, { action: 'OPEN', market_class: 'perp' })).toBe(2);
    expect(value(exp, N.signalsEmitted, { action: 'FLIP', market_class: 'hip3' })).toBe(1);
    expect(value(exp, N.duplicatesSuppressed, { role: 'secondary' })).toBe(2);
    expect(value(exp, N.eventsMissed, { role: 'primary' })).toBe(1);
    expect(value(exp, N.framesRejected, { reason: 'schema_mismatch' })).toBe(1);
    expect(value(exp, N.deadLetters, { reason: 'schema_mismatch' })).toBe(1);
    expect(value(exp, N.gapsDetected)).toBe(2);
    expect(value(exp, N.gapsBackfilled, { outcome: 'filled' })).toBe(1);
    expect(value(exp, N.faninHolds, { reason: 'peer_behind' })).toBe(2);
    expect(value(exp, N.faninHolds, { reason: 'gap' })).toBe(0);

    expect(value(exp, N.restWeightUsed, { pool: 'ip-a' })).toBe(22);
    expect(value(exp, N.budgetUsed, { pool: 'ip-a', resource: 'users' })).toBe(9);
    expect(value(exp, N.budgetLimit, { pool: 'ip-a', resource: 'users' })).toBe(10);
    expect(value(exp, N.budgetUsed, { pool: 'ip-a', resource: 'subscriptions' })).toBe(150);

    expect(value(exp, N.sinkQueueDepth, { sink: 'kafka' })).toBe(42);
    expect(value(exp, N.spoolBytes, { sink: 'kafka' })).toBe(4096);
    expect(value(exp, N.spoolRecords, { sink: 'kafka' })).toBe(12);
    expect(value(exp, `${N.sinkPublishDuration}_count`, { sink: 'kafka' })).toBe(2);
    expect(value(exp, `${N.sinkPublishDuration}_bucket`, { sink: 'kafka', le: '0.005' })).toBe(1);
    expect(value(exp, `${N.sinkPublishDuration}_bucket`, { sink: 'kafka', le: '+Inf' })).toBe(2);
    expect(value(exp, `${N.sinkThreadGc}_count`, { kind: 'minor' })).toBe(2);
    expect(value(exp, `${N.sinkThreadGc}_bucket`, { kind: 'minor', le: '0.001' })).toBe(1);
    expect(value(exp, `${N.sinkThreadGc}_bucket`, { kind: 'major', le: '0.01' })).toBe(0);
    expect(value(exp, `${N.sinkThreadGc}_bucket`, { kind: 'major', le: '0.025' })).toBe(1);
    expect(value(exp, `${N.endToEndLatency}_count`)).toBe(3);
    expect(value(exp, `${N.endToEndLatency}_bucket`, { le: '0.025' })).toBe(1);
    expect(value(exp, `${N.endToEndLatency}_sum`)).toBeCloseTo(1.542);
    expect(value(exp, `${N.signalAge}_count`)).toBe(2);
    expect(value(exp, `${N.signalAge}_bucket`, { le: '0.02' })).toBe(1);
    expect(value(exp, `${N.signalAge}_sum`)).toBeCloseTo(0.418);

    expect(value(exp, N.coverage, { coverage: 'dual' })).toBe(1);
    expect(value(exp, N.coverage, { coverage: 'single' })).toBe(1);
    expect(value(exp, N.coverage, { coverage: 'dark' })).toBe(0);
    expect(value(exp, N.influencerHealthyListeners, { influencer: 'bob' })).toBe(1);
    expect(value(exp, N.influencerHealthyListeners, { influencer: 'alice' })).toBe(2);
  });

  it('counts nothing per (influencer, market) unless enabled', async () => {
    const m = new Metrics({ collectDefaultMetrics: false });
    m.messageReceivedFor({ influencer: 'alice', market: 'BTC' });
    expect(find(await scrape(m), N.influencerMessagesReceived)).toEqual([]);
  });

  it('starts coverage, gaps and trades at 0 so alerts see a series before the first event', async () => {
    const exp = await scrape(new Metrics({ collectDefaultMetrics: false }));
    expect(value(exp, N.coverage, { coverage: 'dark' })).toBe(0);
    expect(value(exp, N.tradesSeen)).toBe(0);
    expect(value(exp, N.gapsDetected)).toBe(0);
  });

  it('folds label values beyond the cap into "other" and counts the fold', async () => {
    const m = new Metrics({ collectDefaultMetrics: false });
    for (let i = 0; i < 70; i++) m.frameRejected({ reason: `reason-${i}` });
    const exp = await scrape(m);
    expect(find(exp, N.framesRejected)).toHaveLength(65);
    expect(value(exp, N.framesRejected, { reason: OVERFLOW_LABEL_VALUE })).toBe(6);
    expect(value(exp, N.labelOverflow, { metric: N.framesRejected, label: 'reason' })).toBe(6);
  });

  it('forgets every per-influencer series of an untracked influencer', async () => {
    const m = new Metrics({ perInfluencerLabels: true, collectDefaultMetrics: false });
    exercise(m);
    m.forgetInfluencer('bob');
    const exp = await scrape(m);
    for (const name of [
      N.listenerState,
      N.influencerSkew,
      N.influencerFailovers,
      N.influencerHealthyListeners,
      N.influencerMessagesReceived,
    ]) {
      expect(find(exp, name, { influencer: 'bob' }), name).toEqual([]);
      expect(find(exp, name, { influencer: 'alice' }).length, name).toBeGreaterThan(0);
    }
    expect(value(exp, N.listeners, { role: 'primary', kind: 'user-stream', state: 'stalled' })).toBe(0);
  });

  it('registers on the injected registry only, and ignores garbage numbers', async () => {
    const registry = new Registry();
    const m = new Metrics({ registry, collectDefaultMetrics: false });
    expect(m.registry).toBe(registry);
    m.sinkQueueDepth({ sink: 'kafka' }, Number.NaN);
    m.endToEndLatency(-3);
    m.restWeightUsed(Number.POSITIVE_INFINITY, { pool: 'p' });
    const exp = parseExposition(await registry.metrics());
    expect(value(exp, N.sinkQueueDepth, { sink: 'kafka' })).toBe(0);
    expect(value(exp, `${N.endToEndLatency}_bucket`, { le: '0.0005' })).toBe(1);
    expect(value(exp, N.restWeightUsed, { pool: 'p' })).toBe(0);
  });

  it('methods are bound, so they can be passed as callbacks', async () => {
    const m = new Metrics({ collectDefaultMetrics: false });
    const handlers = [m.gapDetected, m.gapDetected];
    for (const h of handlers) h();
    expect(value(await scrape(m), N.gapsDetected)).toBe(2);
  });

  it('classifies coverage from healthy listener counts', () => {
    expect([0, 1, 2, 3].map(coverageOf)).toEqual(['dark', 'single', 'dual', 'dual']);
  });
});
