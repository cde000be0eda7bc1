import { once } from 'node:events';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics, ObsServer, STATUS_PAGE_HTML, readinessFromChecks } from '../../src/obs/index.js';
import type { LogLevelControl, Readiness, ReadinessProvider } from '../../src/obs/index.js';
import { fakeStatusProvider, sampleStatus } from './fixtures.js';
import { parseExposition, value } from './prom-text.js';

const servers: ObsServer[] = [];
const JSON_HEADERS = { 'Content-Type': 'application/json' };

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(
  overrides: Partial<ConstructorParameters<typeof ObsServer>[0]> = {},
): Promise<ObsServer> {
  const server = new ObsServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new Metrics({ collectDefaultMetrics: false }),
    ...overrides,
  });
  servers.push(server);
  await server.start();
  return server;
}

describe('ObsServer', () => {
  it('/health answers 200 while the process is alive', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/metrics serves the Prometheus text of the injected metrics', async () => {
    const metrics = new Metrics({ collectDefaultMetrics: false });
    metrics.failover({ influencer: 'bob', reason: 'primary_down' });
    const s = await start({ metrics });
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(
      value(parseExposition(await res.text()), 'ingest_failovers_total', { reason: 'primary_down' }),
    ).toBe(1);
  });

  it('/ready is 503 with reasons until every check passes, then 200', async () => {
    let checks = readinessFromChecks([
      { name: 'config', ok: true },
      { name: 'sinks', ok: false, detail: 'kafka unreachable and spool disabled' },
    ]);
    const readiness: ReadinessProvider = { readiness: () => checks };
    const s = await start({ readiness });
    let res = await fetch(`${s.url}/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { ready: boolean; reasons: string[] };
    expect(body.ready).toBe(false);
    expect(body.reasons).toEqual(['sinks: kafka unreachable and spool disabled', 'listeners: not reported']);

    checks = readinessFromChecks([
      { name: 'config', ok: true },
      { name: 'sinks', ok: true, detail: 'spooling' },
      { name: 'listeners', ok: true },
    ]);
    res = await fetch(`${s.url}/ready`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ready: boolean }).ready).toBe(true);
  });

  it('/ready is 503 when no provider is wired, when it throws, or when it hangs', async () => {
    expect((await fetch(`${(await start()).url}/ready`)).status).toBe(503);

    const throwing = await start({ readiness: { readiness: () => Promise.reject(new Error('redis down')) } });
    const res = await fetch(`${throwing.url}/ready`);
    expect(res.status).toBe(503);
    expect(JSON.stringify(await res.json())).toContain('redis down');

    const garbage = await start({ readiness: { readiness: () => null as unknown as Readiness } });
    const g = await fetch(`${garbage.url}/ready`);
    expect(g.status).toBe(503);
    expect(JSON.stringify(await g.json())).toContain('no checks[]');

    const hanging = await start({
      providerTimeoutMs: 50,
      readiness: { readiness: () => new Promise<Readiness>(() => undefined) },
    });
    const hung = await fetch(`${hanging.url}/ready`);
    expect(hung.status).toBe(503);
    expect(JSON.stringify(await hung.json())).toContain('did not answer within 50 ms');
  });

  it('/status is JSON by default and for curl, HTML for browsers; /status.json is always JSON', async () => {
    const s = await start({ status: fakeStatusProvider() });
    for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html;q=0.5']) {
      const res = await fetch(`${s.url}/status`, { headers: accept === undefined ? {} : { accept } });
      expect(res.headers.get('content-type'), String(accept)).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(sampleStatus())));
    }
    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const html = await fetch(`${s.url}/status`, { headers: { accept: browser } });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('vary')).toBe('Accept, Authorization');
    expect(await html.text()).toBe(STATUS_PAGE_HTML);
    const json = await fetch(`${s.url}/status.json`, { headers: { accept: browser } });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('the status page is self-contained: no external scripts, styles or images', () => {
    expect(STATUS_PAGE_HTML).not.toMatch(/<script[^>]+src=/i);
    expect(STATUS_PAGE_HTML).not.toMatch(/<link[^>]+href=/i);
    expect(STATUS_PAGE_HTML).not.toMatch(/https?:\/\//);
    expect(STATUS_PAGE_HTML).toContain("fetch('status.json'");
  });

  it('/status is 503 without a provider', async () => {
    expect((await fetch(`${(await start()).url}/status.json`)).status).toBe(503);
  });

  it('/log-level reads, changes (JSON PUT body, or POST with ?level=) and rejects junk', async () => {
    const control: LogLevelControl = { level: 'info' };
    const s = await start({ logLevel: control });
    expect(await (await fetch(`${s.url}/log-level`)).json()).toEqual({ level: 'info' });

    let res = await fetch(`${s.url}/log-level`, {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: '{"level":"debug"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ level: 'debug', previous: 'info' });
    expect(control.level).toBe('debug');

    res = await fetch(`${s.url}/log-level?level=warn`, { method: 'POST', headers: JSON_HEADERS });
    expect(res.status).toBe(200);
    expect(control.level).toBe('warn');

    for (const body of [
      JSON.stringify({ level: 'verbose' }),
      'not json',
      '{}',
      JSON.stringify({ level: 3 }),
    ]) {
      res = await fetch(`${s.url}/log-level`, { method: 'PUT', headers: JSON_HEADERS, body });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/log level|not JSON/);
    }
    res = await fetch(`${s.url}/log-level?level=loud`, { method: 'POST', headers: JSON_HEADERS });
    expect(res.status).toBe(400);
    expect(control.level).toBe('warn');
    expect((await fetch(`${s.url}/log-level`, { method: 'DELETE' })).status).toBe(405);
  });

  it('/log-level refuses what a cross-site form can send: only application/json changes the level', async () => {
    const control: LogLevelControl = { level: 'info' };
    const s = await start({ logLevel: control });
    for (const type of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await fetch(`${s.url}/log-level?level=silent`, {
        method: 'POST',
        headers: { 'Content-Type': type },
        body: type.startsWith('text') ? '{"level":"silent"}' : 'level=silent',
      });
      expect(res.status, type).toBe(415);
    }
    expect(control.level).toBe('info');
    const ok = await fetch(`${s.url}/log-level`, {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: '{"level":"warn"}',
    });
    expect(ok.status).toBe(200);
    expect(control.level).toBe('warn');
  });

  it('/log-level changes a real pino logger', async () => {
    const { createLogger } = await import('../../src/obs/index.js');
    const { Writable } = await import('node:stream');
    const logger = createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const s = await start({ logLevel: logger });
    await fetch(`${s.url}/log-level`, { method: 'PUT', headers: JSON_HEADERS, body: '{"level":"debug"}' });
    expect(logger.level).toBe('debug');
    expect(logger.isLevelEnabled('debug')).toBe(true);
  });

  it('/log-level answers 501 when not wired; an oversized body gets 413 and a closed connection', async () => {
    expect((await fetch(`${(await start()).url}/log-level`)).status).toBe(501);
    const control = { level: 'info' };
    const s = await start({ logLevel: control });
    const { port } = new URL(s.url);
    // Declared too large, and too large without a declared length (chunked).
    for (const head of ['Content-Length: 100000\r\n', 'Transfer-Encoding: chunked\r\n']) {
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.write(`PUT /log-level HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${head}\r\n`);
      const chunk = 'x'.repeat(8192);
      socket.write(head.startsWith('Transfer') ? `${(8192).toString(16)}\r\n${chunk}\r\n` : chunk);
      await once(socket, 'close'); // the server hung up: we did not have to send the rest
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toMatch(/connection: close/i);
    }
    expect(control.level).toBe('info');
  });

  it('unknown paths are 404, wrong methods 405', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no such endpoint: /nope' });
    const post = await fetch(`${s.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('close() is idempotent and frees the port', async () => {
    const s = await start();
    const url = s.url;
    const a = s.close();
    expect(s.close()).toBe(a);
    await a;
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

describe('ObsServer access control', () => {
  const TOKEN = 'tok-0123456789abcdef';

  it('with a token: status data and /log-level need it; metrics, health, ready and the page stay open', async () => {
    const control = { level: 'info' };
    const s = await start({ token: TOKEN, status: fakeStatusProvider(), logLevel: control });
    for (const path of ['/metrics', '/health', '/ready']) {
      expect([200, 503], path).toContain((await fetch(`${s.url}${path}`)).status);
    }
    expect((await fetch(`${s.url}/status`, { headers: { Accept: 'text/html' } })).status).toBe(200);
    for (const auth of [undefined, 'Bearer wrong-token-0000000', `Basic ${TOKEN}`, TOKEN]) {
      const headers: Record<string, string> = auth === undefined ? {} : { Authorization: auth };
      const res = await fetch(`${s.url}/status.json`, { headers });
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect((await fetch(`${s.url}/status`, { headers })).status).toBe(401); // JSON form
      const put = await fetch(`${s.url}/log-level`, {
        method: 'PUT',
        headers: { ...headers, ...JSON_HEADERS },
        body: '{"level":"silent"}',
      });
      expect(put.status).toBe(401);
    }
    expect(control.level).toBe('info');
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const res = await fetch(`${s.url}/status.json`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(sampleStatus());
    const put = await fetch(`${s.url}/log-level`, {
      method: 'PUT',
      headers: { ...auth, ...JSON_HEADERS },
      body: '{"level":"warn"}',
    });
    expect(put.status).toBe(200);
    expect(control.level).toBe('warn');
  });

  it('without a token: status data and /log-level answer loopback clients only', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
    expect(external, 'this test needs a non-loopback IPv4 interface').toBeDefined();
    const control = { level: 'info' };
    const s = await start({ host: '0.0.0.0', status: fakeStatusProvider(), logLevel: control });
    const { port } = new URL(s.url);
    const remote = `http://${external}:${port}`;
    expect((await fetch(`${remote}/metrics`)).status).toBe(200);
    expect((await fetch(`${remote}/health`)).status).toBe(200);
    const denied = await fetch(`${remote}/status.json`);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: string }).error).toMatch(/loopback.*http\.token/);
    const put = await fetch(`${remote}/log-level`, {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: '{"level":"silent"}',
    });
    expect(put.status).toBe(403);
    expect(control.level).toBe('info');
    expect((await fetch(`${s.url}/status.json`)).status).toBe(200); // loopback
  });

  it('binds loopback by default', async () => {
    const server = new ObsServer({ port: 0, metrics: new Metrics({ collectDefaultMetrics: false }) });
    servers.push(server);
    expect((await server.start()).address).toBe('127.0.0.1');
  });
});
