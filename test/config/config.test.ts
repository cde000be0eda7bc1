import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems.js';
import { loadConfig, maskSecrets, parseServiceConfig } from '../../src/config/index.js';

function files(map: Record<string, string>): (p: string) => string {
  return (p: string) => {
    const hit = Object.entries(map).find(([k]) => p.endsWith(k));
    if (hit === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return hit[1];
  };
}

describe('ServiceConfig defaults', () => {
  it('embedded default is the simulator, influencers from the simulator, local sinks', () => {
    const { config, file } = loadConfig({ env: {} });
    expect(file).toBeUndefined();
    expect(config.source.kind).toBe('simulator');
    expect(config.influencers.source).toBe('simulator');
    expect(config.sinks.local.enabled).toBe(true);
    expect(config.sinks.kafka.brokers).toEqual([]);
    expect(config.sinks.clickhouse.url).toBeUndefined();
    expect(config.hyperliquid.limits).toMatchObject({
      users: 10,
      connections: 10,
      newConnectionsPerMinute: 30,
      subscriptions: 1000,
      messagesPerMinute: 2000,
      infoWeightPerMinute: 1200,
    });
    expect(config.hyperliquid.heartbeat).toEqual({ pingIntervalMs: 30_000, pongTimeoutMs: 10_000 });
    expect(config.sinks.kafka.topic).toBe('influencer_signals');
    expect(config.sinks.kafka.dlqTopic).toBe('influencer_signals.dlq');
    expect(config.sinks.spool.shed.signals).toBe('never');
  });

  it('resolves URLs per network and keeps explicit ones', () => {
    expect(parseServiceConfig({}).hyperliquid.wsUrl).toBe('wss://api.hyperliquid.xyz/ws');
    const t = parseServiceConfig({ hyperliquid: { network: 'testnet' } });
    expect(t.hyperliquid.wsUrl).toBe('wss://api.hyperliquid-testnet.xyz/ws');
    expect(t.hyperliquid.infoUrl).toBe('https://api.hyperliquid-testnet.xyz/info');
    const c = parseServiceConfig({
      hyperliquid: { network: 'custom', wsUrl: 'ws://127.0.0.1:9/ws', infoUrl: 'http://127.0.0.1:9/info' },
    });
    expect(c.hyperliquid.wsUrl).toBe('ws://127.0.0.1:9/ws');
  });

  it('is deep-frozen', () => {
    const c = parseServiceConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.hyperliquid.limits)).toBe(true);
    expect(Object.isFrozen(c.hyperliquid.egressPools[0])).toBe(true);
    expect(() => {
      (c.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('ServiceConfig validation', () => {
  it('a retired key fails naming what replaced it', () => {
    const p = problemsOf(() => parseServiceConfig({ sinks: { kafka: { maxProducers: 16 } } }));
    expect(p).toEqual([
      'sinks.kafka.maxProducers: removed: one idempotent producer per topic now sends a batch as one request per partition leader; delete the key',
    ]);
  });

  it('an unknown key fails naming the key, its path and the allowed keys', () => {
    const p = problemsOf(() => parseServiceConfig({ sinks: { kafka: { brokerz: ['a:1'] } } }));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^sinks\.kafka\.brokerz: unknown key \(allowed: brokers, clientId/);
  });

  it('an unknown top-level section fails', () => {
    expect(problemsOf(() => parseServiceConfig({ kafka: {} }))[0]).toMatch(/^kafka: unknown key/);
  });

  it('reports one line per problem with the key path', () => {
    const p = problemsOf(() =>
      parseServiceConfig({
        hyperliquid: { heartbeat: { pingIntervalMs: 70_000 }, limits: { users: 0 } },
        http: { port: 'x' },
      }),
    );
    expect(p.some((l) => l.startsWith('hyperliquid.heartbeat.pingIntervalMs:'))).toBe(true);
    expect(p.some((l) => l.startsWith('hyperliquid.limits.users:'))).toBe(true);
    expect(p.some((l) => l.startsWith('http.port:'))).toBe(true);
  });

  it('checks fields that depend on each other', () => {
    expect(problemsOf(() => parseServiceConfig({ hyperliquid: { network: 'custom' } }))).toEqual([
      'hyperliquid.wsUrl: required when network is custom',
      'hyperliquid.infoUrl: required when network is custom',
    ]);
    expect(problemsOf(() => parseServiceConfig({ influencers: { source: 'file' } }))).toEqual([
      'influencers.file: required when influencers.source is file',
    ]);
    expect(problemsOf(() => parseServiceConfig({ source: { kind: 'hyperliquid' } }))).toEqual([
      'influencers.source: simulator requires source.kind simulator',
    ]);
    const dup = problemsOf(() =>
      parseServiceConfig({ hyperliquid: { egressPools: [{ name: 'a' }, { name: 'a' }] } }),
    );
    expect(dup[0]).toMatch(/^hyperliquid\.egressPools\.1\.name: duplicate pool name/);
  });

  it('validates egress pools: proxy URL schemes, IPs and limit overrides', () => {
    const ok = parseServiceConfig({
      hyperliquid: {
        egressPools: [
          { name: 'a', proxyUrl: 'socks5://10.0.0.1:1080', limits: { users: 14 } },
          { name: 'b', localAddress: '10.0.0.2' },
        ],
      },
    });
    expect(ok.hyperliquid.egressPools[0]?.limits.users).toBe(14);
    const bad = problemsOf(() =>
      parseServiceConfig({
        hyperliquid: { egressPools: [{ name: 'a', proxyUrl: 'ftp://x', localAddress: 'nope' }] },
      }),
    );
    expect(bad.some((l) => l.startsWith('hyperliquid.egressPools.0.proxyUrl:'))).toBe(true);
    expect(bad.some((l) => l.startsWith('hyperliquid.egressPools.0.localAddress:'))).toBe(true);
  });
});

describe('loadConfig: file and environment', () => {
  it('reads YAML and JSON files; env overrides the file', () => {
    const read = files({
      'a.yaml': 'http:\n  port: 8080\nsinks:\n  kafka:\n    brokers: [k1:9092]\n',
      'b.json': '{"log":{"level":"debug"}}',
    });
    const a = loadConfig({ path: 'a.yaml', env: { INGEST_HTTP_PORT: '9090' }, readFile: read });
    expect(a.config.http.port).toBe(9090);
    expect(a.config.sinks.kafka.brokers).toEqual(['k1:9092']);
    expect(a.envOverrides.get('http.port')).toBe('INGEST_HTTP_PORT');
    expect(loadConfig({ env: { INGEST_CONFIG: 'b.json' }, readFile: read }).config.log.level).toBe('debug');
  });

  it('sets the HL URLs, influencer source and every sink from env', () => {
    const { config } = loadConfig({
      env: {
        INGEST_HL_WS_URL: 'ws://127.0.0.1:1/ws',
        INGEST_HL_INFO_URL: 'http://127.0.0.1:1/info',
        INGEST_SOURCE: 'hyperliquid',
        INGEST_INFLUENCERS_SOURCE: 'redis',
        INGEST_REDIS_URL: 'redis://10.0.0.1:6380',
        INGEST_KAFKA_BROKERS: 'k1:9092, k2:9092',
        INGEST_CLICKHOUSE_URL: 'http://ch:8123',
        INGEST_LOCAL_DIR: '/tmp/out',
        INGEST_LOG_LEVEL: 'warn',
        INGEST_PRINT_SIGNALS: 'true',
      },
    });
    expect(config.hyperliquid.wsUrl).toBe('ws://127.0.0.1:1/ws');
    expect(config.hyperliquid.infoUrl).toBe('http://127.0.0.1:1/info');
    expect(config.influencers.source).toBe('redis');
    expect(config.redis.url).toBe('redis://10.0.0.1:6380');
    expect(config.sinks.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.sinks.clickhouse.url).toBe('http://ch:8123');
    expect(config.sinks.local.dir).toBe('/tmp/out');
    expect(config.sinks.local.printSignals).toBe(true);
    expect(config.log.level).toBe('warn');
  });

  it('names the env var when its value is invalid', () => {
    expect(problemsOf(() => loadConfig({ env: { INGEST_HTTP_PORT: 'eighty' } }))[0]).toMatch(
      /INGEST_HTTP_PORT: expected an integer/,
    );
    expect(problemsOf(() => loadConfig({ env: { INGEST_LOG_LEVEL: 'loud' } }))[0]).toMatch(
      /^log\.level: .*\(from INGEST_LOG_LEVEL\)$/,
    );
  });

  it('a missing file is CONFIG_NOT_FOUND; bad YAML is CONFIG_INVALID', () => {
    const read = files({ 'bad.yaml': 'a: [1,\n' });
    expect(() => loadConfig({ path: 'nope.yaml', readFile: read })).toThrow(
      expect.objectContaining({ code: 'CONFIG_NOT_FOUND' }),
    );
    expect(() => loadConfig({ path: 'bad.yaml', readFile: read })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('secrets', () => {
  it('are rejected in a file with a clear error naming the env var', () => {
    const read = files({
      's.yaml': 'sinks:\n  kafka:\n    sasl:\n      username: u\n      password: hunter2\n',
      'u.yaml': 'redis:\n  url: redis://:hunter2@h:6379\n',
    });
    const p = problemsOf(() => loadConfig({ path: 's.yaml', readFile: read }));
    expect(p).toEqual([
      'sinks.kafka.sasl.password: secrets may not be set in the config file; use INGEST_KAFKA_SASL_PASSWORD or INGEST_KAFKA_SASL_PASSWORD_FILE',
    ]);
    expect(problemsOf(() => loadConfig({ path: 'u.yaml', readFile: read }))[0]).toMatch(
      /^redis\.url: the URL contains a password/,
    );
  });

  it('come from the env or a *_FILE, and are masked for printing', () => {
    const read = files({
      'pw.txt': 's3cret\n',
      'c.yaml': 'sinks:\n  kafka:\n    sasl:\n      username: u\n',
    });
    const { config } = loadConfig({
      path: 'c.yaml',
      env: {
        INGEST_KAFKA_SASL_PASSWORD_FILE: '/run/pw.txt',
        INGEST_CLICKHOUSE_PASSWORD: 'chpw',
        INGEST_REDIS_URL: 'redis://u@h:1',
        INGEST_REDIS_PASSWORD: 'rpw',
        INGEST_HTTP_TOKEN: 'ops-token-0123456789',
        INGEST_EGRESS_POOLS: 'a=http://proxyuser:proxypw@proxy:3128',
      },
      readFile: read,
    });
    expect(config.sinks.kafka.sasl?.password).toBe('s3cret');
    const masked = JSON.stringify(maskSecrets(config));
    for (const secret of ['s3cret', 'chpw', 'rpw', 'ops-token-0123456789', 'proxypw']) {
      expect(masked).not.toContain(secret);
    }
    expect(maskSecrets(config).sinks.kafka.sasl?.password).toBe('***');
    expect(maskSecrets(config).http.token).toBe('***');
    expect(masked).toContain('http://proxyuser:***@proxy:3128');
  });

  it('a password inside the Redis or ClickHouse URL is refused, naming the variable to use instead', () => {
    for (const [name, url, instead] of [
      ['INGEST_CLICKHOUSE_URL', 'http://default:hunter2@ch:8123', 'INGEST_CLICKHOUSE_PASSWORD'],
      ['INGEST_REDIS_URL', 'redis://:hunter2@redis:6379', 'INGEST_REDIS_PASSWORD'],
    ] as const) {
      let err: unknown;
      try {
        loadConfig({ env: { [name]: url, [instead]: 'the-real-one' } });
      } catch (e) {
        err = e;
      }
      expect(err, name).toMatchObject({ code: 'CONFIG_INVALID' });
      const message = (err as Error).message;
      expect(message).toContain(name);
      expect(message).toContain(`${instead}_FILE`);
      expect(message).not.toContain('hunter2');
    }
    // Without a password, the URL and the password variable work together.
    const { config } = loadConfig({
      env: { INGEST_CLICKHOUSE_URL: 'http://default@ch:8123', INGEST_CLICKHOUSE_PASSWORD: 'pw' },
    });
    expect(config.sinks.clickhouse.password).toBe('pw');
  });

  it('INGEST_HTTP_TOKEN[_FILE] sets the ops token; a short one is refused; loopback is the default bind', () => {
    const read = files({ tok: 'a-long-ops-token-from-a-file\n' });
    expect(
      loadConfig({ env: { INGEST_HTTP_TOKEN_FILE: '/run/tok' }, readFile: read }).config.http.token,
    ).toBe('a-long-ops-token-from-a-file');
    expect(problemsOf(() => loadConfig({ env: { INGEST_HTTP_TOKEN: 'short' } }))[0]).toMatch(
      /^http\.token: expected at least 16 characters/,
    );
    expect(loadConfig({}).config.http.host).toBe('127.0.0.1');
  });

  it('sasl without a password is an error; both NAME and NAME_FILE is an error', () => {
    expect(problemsOf(() => loadConfig({ env: { INGEST_KAFKA_SASL_USERNAME: 'u' } }))[0]).toMatch(
      /^sinks\.kafka\.sasl\.password: required/,
    );
    expect(
      problemsOf(() =>
        loadConfig({ env: { INGEST_REDIS_PASSWORD: 'a', INGEST_REDIS_PASSWORD_FILE: '/x' } }),
      )[0],
    ).toMatch(/both set/);
  });

  describe('INGEST_EGRESS_POOLS', () => {
    const file = files({
      'p.yaml': [
        'hyperliquid:',
        '  egressPools:',
        '    - { name: ip-a, proxyUrl: "http://old:1", limits: { users: 14 } }',
        '    - { name: gone, localAddress: 10.0.0.9 }',
        '',
      ].join('\n'),
      'pools.txt': 'ip-a=socks5://u:p00lpw@10.0.0.1:1080\nip-b=local:2001:db8::7\n',
    });

    it('replaces the file pools, keeps limits by name, and takes proxy, local IP or direct', () => {
      const { config, envOverrides } = loadConfig({
        path: 'p.yaml',
        env: { INGEST_EGRESS_POOLS: ' ip-a=http://proxy:3128 , ip-b=local:203.0.113.7,ip-c=direct' },
        readFile: file,
      });
      const pools = config.hyperliquid.egressPools;
      expect(pools.map((p) => p.name)).toEqual(['ip-a', 'ip-b', 'ip-c']);
      expect(pools[0]?.proxyUrl).toBe('http://proxy:3128');
      expect(pools[0]?.limits.users).toBe(14);
      expect(pools[1]?.localAddress).toBe('203.0.113.7');
      expect(pools[1]?.limits.users).toBeUndefined();
      expect(pools[2]?.proxyUrl).toBeUndefined();
      expect(pools[2]?.localAddress).toBeUndefined();
      expect(envOverrides.get('hyperliquid.egressPools')).toBe('INGEST_EGRESS_POOLS');
    });

    it('comes from INGEST_EGRESS_POOLS_FILE (credentials), and the password is masked for printing', () => {
      const { config } = loadConfig({
        path: 'p.yaml',
        env: { INGEST_EGRESS_POOLS_FILE: '/run/secrets/pools.txt' },
        readFile: file,
      });
      expect(config.hyperliquid.egressPools.map((p) => [p.name, p.proxyUrl, p.localAddress])).toEqual([
        ['ip-a', 'socks5://u:p00lpw@10.0.0.1:1080', undefined],
        ['ip-b', undefined, '2001:db8::7'],
      ]);
      expect(JSON.stringify(maskSecrets(config))).not.toContain('p00lpw');
    });

    it('rejects bad entries naming the variable and entry, never echoing a credential', () => {
      const cases: [string, RegExp][] = [
        ['ip-a=socks5://u:pw1@h:1,http://u:pw2@h:2', /^INGEST_EGRESS_POOLS: entry 2 is not name=target/],
        ['ip-a=socks5://u:pw1@h:1,ip-a=direct', /entry 2: pool "ip-a" is given twice/],
        [
          'ip-a=proxy.example:3128',
          /entry 1 \(pool "ip-a"\): target must be a proxy URL, local:<ip> or direct/,
        ],
        [' , ', /^INGEST_EGRESS_POOLS: no pool given/],
      ];
      for (const [value, expected] of cases) {
        const p = problemsOf(() => loadConfig({ env: { INGEST_EGRESS_POOLS: value } }));
        expect(p[0]).toMatch(expected);
        expect(p.join(' ')).not.toMatch(/pw1|pw2/);
      }
      const scheme = problemsOf(() => loadConfig({ env: { INGEST_EGRESS_POOLS: 'ip-a=ftp://u:pw3@h:1' } }));
      expect(scheme[0]).toMatch(/^hyperliquid\.egressPools\.0\.proxyUrl: .*\(from INGEST_EGRESS_POOLS\)$/);
      expect(scheme.join(' ')).not.toContain('pw3');
      const ip = problemsOf(() => loadConfig({ env: { INGEST_EGRESS_POOLS: 'ip-a=local:10.0.0' } }));
      expect(ip[0]).toMatch(/^hyperliquid\.egressPools\.0\.localAddress: .*\(from INGEST_EGRESS_POOLS\)$/);
    });
  });
});

describe('pipeline.eventLog.kafka brokers', () => {
  it('default to the ingester sink brokers, an explicit list wins, and none at all is refused', () => {
    const shared = parseServiceConfig({
      sinks: { kafka: { brokers: ['k1:9092'] } },
      pipeline: { eventLog: { backend: 'kafka' } },
    });
    expect(shared.pipeline.eventLog.kafka.brokers).toEqual(['k1:9092']);
    expect(shared.pipeline.eventLog.kafka.topic).toBe('normalized.market');
    const own = parseServiceConfig({
      sinks: { kafka: { brokers: ['k1:9092'] } },
      pipeline: { eventLog: { backend: 'kafka', kafka: { brokers: ['k2:9092'] } } },
    });
    expect(own.pipeline.eventLog.kafka.brokers).toEqual(['k2:9092']);
    expect(
      problemsOf(() => parseServiceConfig({ pipeline: { eventLog: { backend: 'kafka' } } })).join('\n'),
    ).toMatch(/pipeline\.eventLog\.kafka\.brokers.*required with backend kafka/);
  });
});
