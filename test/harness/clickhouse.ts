// ClickHouse for tests: Debian's clickhouse-server (18.16) run unprivileged from copies of the
// packaged config.xml/users.xml, rewritten so every path lives in the run's temp dir, it listens
// on 127.0.0.1 only, on ports we chose, and nothing needs privileges (no TLS, no interserver port).
// Ready when `SELECT 1` answers over HTTP through @clickhouse/client (the product's client).
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serviceFailure } from './errors.js';
import { ensureAptBinary } from './install.js';
import { defineService, launchIn } from './service.js';
import type { ServiceDef } from './service.js';

export interface ClickHouseOptions {
  binary?: string;
  /** Where the packaged config.xml and users.xml are copied from. */
  configDir?: string;
}

/** Elements that open extra ports or need certificates; the tests use HTTP and native TCP only. */
const DROPPED_ELEMENTS = [
  'https_port',
  'tcp_port_secure',
  'interserver_http_port',
  'interserver_https_port',
  'mysql_port',
  'postgresql_port',
  'grpc_port',
  'listen_host',
];

/** Rewrites the packaged config.xml text for an unprivileged, loopback-only, temp-dir server. */
export function rewriteConfig(xml: string, dir: string, ports: { http: number; tcp: number }): string {
  let out = xml
    .replaceAll('/var/lib/clickhouse/', `${dir}/data/`)
    .replaceAll('/var/log/clickhouse-server/', `${dir}/log/`);
  for (const el of DROPPED_ELEMENTS) out = out.replace(new RegExp(`<${el}>[^<]*</${el}>`, 'g'), '');
  out = out
    .replace(/<http_port>[^<]*<\/http_port>/g, '')
    .replace(/<tcp_port>[^<]*<\/tcp_port>/g, '')
    .replace(/<users_config>[^<]*<\/users_config>/g, '');
  // The root element is <yandex> on 18.x and <clickhouse> on current releases.
  const root = /<(yandex|clickhouse)>/.exec(out);
  if (root === null) throw new Error('config.xml has no <yandex> or <clickhouse> root element');
  const ours = [
    `<listen_host>127.0.0.1</listen_host>`,
    `<http_port>${ports.http}</http_port>`,
    `<tcp_port>${ports.tcp}</tcp_port>`,
    `<users_config>${dir}/users.xml</users_config>`,
  ].join('\n    ');
  return out.replace(root[0], `${root[0]}\n    ${ours}`);
}

export function clickhouseService(opts: ClickHouseOptions = {}): ServiceDef {
  const binary = opts.binary ?? 'clickhouse-server';
  const configDir = opts.configDir ?? '/etc/clickhouse-server';
  return defineService({
    name: 'clickhouse',
    portEnv: { http: 'TEST_CLICKHOUSE_HTTP_PORT', tcp: 'TEST_CLICKHOUSE_TCP_PORT' },
    readyTimeoutMs: 45_000,
    stopTimeoutMs: 15_000,
    async install() {
      const server = await ensureAptBinary('clickhouse', binary, ['clickhouse-server', 'clickhouse-client']);
      if (!existsSync(join(configDir, 'config.xml')) || !existsSync(join(configDir, 'users.xml'))) {
        throw serviceFailure('clickhouse', {
          what: `${configDir}/config.xml or users.xml is missing (the package ships them)`,
          fix: 'reinstall with: sudo apt-get install -y --reinstall clickhouse-server',
        });
      }
      return { binary: server };
    },
    async prepare({ dir, ports, installed }) {
      const http = ports['http'] ?? 0;
      const tcp = ports['tcp'] ?? 0;
      await Promise.all(
        ['data', 'log', 'data/tmp', 'data/user_files'].map((d) => mkdir(join(dir, d), { recursive: true })),
      );
      const config = rewriteConfig(await readFile(join(configDir, 'config.xml'), 'utf8'), dir, { http, tcp });
      await writeFile(join(dir, 'config.xml'), config);
      await writeFile(join(dir, 'users.xml'), await readFile(join(configDir, 'users.xml'), 'utf8'));
      return {
        endpoint: `http://127.0.0.1:${http}`,
        launch: launchIn(
          dir,
          installed['binary'] ?? binary,
          [`--config-file=${join(dir, 'config.xml')}`],
          join('log', 'stdout.log'),
          { extraLogFiles: [join(dir, 'log', 'clickhouse-server.err.log')] },
        ),
      };
    },
    async probe(endpoint) {
      // Logging off: refused connections are expected while the server boots.
      const client = createClient({
        url: endpoint,
        request_timeout: 3_000,
        log: { level: ClickHouseLogLevel.OFF },
      });
      try {
        const rows = await (
          await client.query({ query: 'SELECT 1 AS ok', format: 'JSONEachRow' })
        ).json<{ ok: number }>();
        if (Number(rows[0]?.ok) !== 1) throw new Error(`SELECT 1 answered ${JSON.stringify(rows)}`);
      } finally {
        await client.close();
      }
    },
    hint(log) {
      if (/Net Exception: Address already in use|DB::Exception: Listen \[/i.test(log)) {
        return 'a ClickHouse port is already in use: stop the other server or unset TEST_CLICKHOUSE_HTTP_PORT/TEST_CLICKHOUSE_TCP_PORT';
      }
      if (/Access to file denied|Permission denied|Cannot open file/i.test(log)) {
        return 'ClickHouse could not write its temp dir: check TMPDIR is writable by this user';
      }
      return undefined;
    },
  });
}
