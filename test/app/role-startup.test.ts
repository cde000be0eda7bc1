/**
 * Roles other than `all` need the Kafka hand-off injected (AppOptions.handoff). Without it the
 * App refuses to start with one line naming distributed.role, before it opens any port, and
 * `ingest run` maps that to the start-up table's "invalid configuration" row (exit 3).
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/app/index.js';
import { memberAdvert } from '../../src/app/roles.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { describeStartupFailure } from '../../src/cli/startup-errors.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';

const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });
const ctx = { httpHost: '127.0.0.1', httpPort: 0, simulatorPort: null, spoolDir: '/tmp/x', redisUrl: '' };

async function startFailure(role: 'listeners' | 'processor'): Promise<unknown> {
  const app = new App({ config: parseServiceConfig({ distributed: { role }, http: { port: 0 } }), logger });
  try {
    await app.start();
  } catch (e) {
    return e;
  } finally {
    await app.close(1000);
  }
  throw new Error('start() should have failed');
}

describe('role start-up without the Kafka hand-off', () => {
  it.each(['listeners', 'processor'] as const)(
    'role %s fails with one line naming distributed.role',
    async (role) => {
      const err = await startFailure(role);
      const failure = describeStartupFailure(err, ctx);
      expect(failure.kind).toBe('invalid configuration');
      expect(failure.exitCode).toBe(EXIT.INVALID);
      expect(failure.line).toMatch(
        new RegExp(`^invalid configuration: distributed\\.role ${role} needs the kafka hand-off`),
      );
      expect(failure.line).toMatch(/--role all \(INGEST_ROLE=all\)$/);
      expect(failure.line).not.toMatch(/\n/);
    },
  );
});

describe('ingest run hand-off factory', () => {
  it('refuses a distributed role without Kafka brokers, naming the setting', async () => {
    const { distributedHandoff } = await import('../../src/cli/commands/run-handoff.js');
    const config = parseServiceConfig({ distributed: { role: 'processor' }, http: { port: 0 } });
    const err = await distributedHandoff(config, logger).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    const failure = describeStartupFailure(err, ctx);
    expect(failure.exitCode).toBe(EXIT.INVALID);
    expect(failure.line).toMatch(/sinks\.kafka\.brokers \(INGEST_KAFKA_BROKERS\)/);
  });

  it('builds nothing for role all (the App makes its in-process hand-off)', async () => {
    const { distributedHandoff } = await import('../../src/cli/commands/run-handoff.js');
    expect(await distributedHandoff(parseServiceConfig({}), logger)).toBeUndefined();
  });
});

describe('memberAdvert: what a distributed process tells its consumer group', () => {
  it('names the ops URL others can reach: distributed.advertiseUrl, else the server URL, else a non-loopback address for 0.0.0.0', () => {
    const cfg = (o: object) =>
      parseServiceConfig({ distributed: { role: 'listeners', listenerGroup: 'B', ...o }, http: { port: 0 } });
    expect(memberAdvert(cfg({}), 'http://127.0.0.1:4567')).toEqual({
      opsUrl: 'http://127.0.0.1:4567',
      role: 'listeners',
      listenerGroup: 'B',
      host: hostname(),
      pid: process.pid,
    });
    expect(memberAdvert(cfg({ advertiseUrl: 'http://10.0.3.7:9464/' }), 'http://127.0.0.1:4567').opsUrl).toBe(
      'http://10.0.3.7:9464',
    );
    const wild = parseServiceConfig({
      distributed: { role: 'processor' },
      http: { host: '0.0.0.0', port: 0 },
    });
    const a = memberAdvert(wild, 'http://127.0.0.1:4567');
    expect(a.role).toBe('processor');
    expect(a).not.toHaveProperty('listenerGroup');
    expect(new URL(a.opsUrl).port).toBe('4567');
    expect(new URL(a.opsUrl).hostname).not.toBe('127.0.0.1');
  });
});
