/**
 * The operations HTTP surface on its own port (node:http, no framework): /metrics for
 * Prometheus, /health and /ready for Kubernetes probes, /status (+ /status.json) and the HTML
 * status page for SREs, /connectors (the pipeline's connectors, health and version), and
 * /log-level to change verbosity without a restart. Everything it shows comes through the
 * ports in ports.ts; a provider that throws or hangs turns into a 503/500 with a reason, never
 * into a hung probe.
 *
 * Access: /metrics, /health, /ready and the static page stay open for scrapers and probes.
 * What exposes data or changes state (/status.json, /status as JSON, /log-level) needs
 * `Authorization: Bearer <token>` when a token is configured, and without one is served to
 * loopback clients only. Writes must be `application/json` (a cross-site form cannot send
 * that without a CORS preflight, which this server never grants), and an oversized body gets
 * a 413 and a closed connection.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, silentLogger, systemClock, TimeoutError } from '../core/index.js';
import type { Clock, Logger } from '../core/index.js';
import { prefersHtml } from './negotiate.js';
import { isLogLevel, LOG_LEVELS } from './ports.js';
import type {
  ConnectorsProvider,
  LogLevelControl,
  Readiness,
  ReadinessProvider,
  ReprocessControl,
  StatusProvider,
} from './ports.js';
import { STATUS_PAGE_HTML } from './status-page.js';
import { CONFIG_DEFAULTS } from '../config/index.js';

/** What /metrics needs: a Metrics instance satisfies it. */
export interface MetricsSource {
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface ObsServerOptions {
  /** Interface to bind; default `127.0.0.1` (config `http.host`; containers set 0.0.0.0). */
  readonly host?: string;
  /**
   * Bearer token for /status.json and /log-level (config `http.token`, a secret). Absent: those
   * endpoints answer loopback clients only.
   */
  readonly token?: string;
  /** Port; default 9464 (the conventional Prometheus exporter port). 0 picks a free one. */
  readonly port?: number;
  readonly metrics: MetricsSource;
  /** Absent: /status answers 503 "no status provider". */
  readonly status?: StatusProvider;
  /** Absent: /ready answers 503, since nothing vouches for readiness. */
  readonly readiness?: ReadinessProvider;
  /** Absent: /connectors answers 503 (the service runs no pipeline). */
  readonly connectors?: ConnectorsProvider;
  /** Absent: /log-level answers 501. */
  readonly logLevel?: LogLevelControl;
  /** Absent: POST /reprocess answers 501 (nothing here can rebuild a stage). */
  readonly reprocess?: ReprocessControl;
  /** Deadline for one provider call; default 2000 ms (below the probe's 5 s timeout). */
  readonly providerTimeoutMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

export const DEFAULT_OBS_PORT = CONFIG_DEFAULTS.http.port;
/** /log-level bodies are tiny; anything bigger is not a log level. */
const MAX_BODY_BYTES = 4096;

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class ObsServer {
  private readonly server: Server;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private startPromise: Promise<AddressInfo> | undefined;
  private closePromise: Promise<void> | undefined;

  constructor(private readonly options: ObsServerOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'obs.http' });
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.providerTimeoutMs ?? 2000;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        if (status >= 500) this.log.warn({ err, url: req.url }, 'obs endpoint failed');
        if (res.headersSent) return void res.destroy();
        if (err instanceof HttpError) for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
        if (status === 413) {
          // Do not read the rest of an oversized body: answer, then drop the connection.
          res.setHeader('Connection', 'close');
          res.on('finish', () => req.socket.destroy());
        }
        send(res, status, JSON_TYPE, JSON.stringify({ error: errorMessage(err) }));
      });
    });
  }

  /** Binds and resolves with the bound address (useful with port 0). Idempotent. */
  start(): Promise<AddressInfo> {
    this.startPromise ??= new Promise<AddressInfo>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? DEFAULT_OBS_PORT, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        const addr = this.server.address() as AddressInfo;
        this.log.info({ host: addr.address, port: addr.port }, 'obs http listening');
        resolve(addr);
      });
    });
    return this.startPromise;
  }

  /** Base URL once started, e.g. `http://127.0.0.1:9464`. */
  get url(): string {
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('ObsServer is not listening');
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`;
  }

  /** Stops listening and drops keep-alive connections (the status page keeps one open). Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closePromise;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://obs.local');
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    switch (url.pathname) {
      case '/metrics':
        return read ? this.metrics(res) : notAllowed(res, 'GET, HEAD');
      case '/health':
        return read ? send(res, 200, JSON_TYPE, '{"status":"ok"}') : notAllowed(res, 'GET, HEAD');
      case '/ready':
        return read ? this.ready(res) : notAllowed(res, 'GET, HEAD');
      case '/':
        return read ? sendHtml(res) : notAllowed(res, 'GET, HEAD');
      case '/status':
        if (!read) return notAllowed(res, 'GET, HEAD');
        res.setHeader('Vary', 'Accept, Authorization');
        if (prefersHtml(req.headers.accept)) return sendHtml(res);
        this.authorize(req);
        return this.status(res);
      case '/status.json':
        if (!read) return notAllowed(res, 'GET, HEAD');
        this.authorize(req);
        return this.status(res);
      case '/log-level':
        this.authorize(req);
        return this.logLevel(req, res, url);
      case '/connectors':
        return read ? this.connectors(res) : notAllowed(res, 'GET, HEAD');
      case '/reprocess':
        if (method !== 'POST') return notAllowed(res, 'POST');
        this.authorize(req);
        return this.reprocess(req, res);
      default:
        return send(res, 404, JSON_TYPE, JSON.stringify({ error: `no such endpoint: ${url.pathname}` }));
    }
  }

  /** Throws 401/403 unless the request may see status data or change settings. */
  private authorize(req: IncomingMessage): void {
    const token = this.options.token;
    if (token === undefined || token === '') {
      if (LOOPBACK.has(req.socket.remoteAddress ?? '')) return;
      throw new HttpError(
        403,
        'this endpoint answers loopback clients only while no http.token is configured (INGEST_HTTP_TOKEN_FILE)',
      );
    }
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Compare digests: equal length, constant time, whatever was sent.
    if (m?.[1] === undefined || !timingSafeEqual(digest(m[1]), digest(token))) {
      throw new HttpError(401, 'missing or wrong bearer token', {
        'WWW-Authenticate': 'Bearer realm="hl-ingest-ops"',
      });
    }
  }

  private async metrics(res: ServerResponse): Promise<void> {
    const { contentType, body } = await this.options.metrics.scrape();
    send(res, 200, contentType, body);
  }

  private async ready(res: ServerResponse): Promise<void> {
    const provider = this.options.readiness;
    let r: Readiness;
    if (provider === undefined) {
      r = { ready: false, checks: [{ name: 'readiness', ok: false, detail: 'no readiness provider wired' }] };
    } else {
      try {
        r = await this.withDeadline(() => provider.readiness(), 'readiness');
        if (typeof r !== 'object' || r === null || !Array.isArray(r.checks)) {
          throw new TypeError('readiness provider returned no checks[]');
        }
      } catch (err) {
        r = { ready: false, checks: [{ name: 'readiness', ok: false, detail: errorMessage(err) }] };
      }
    }
    const ok = r.ready && r.checks.every((c) => c.ok);
    const reasons = r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail ?? 'not ok'}`);
    send(res, ok ? 200 : 503, JSON_TYPE, JSON.stringify({ ready: ok, checks: r.checks, reasons }));
  }

  private async status(res: ServerResponse): Promise<void> {
    const provider = this.options.status;
    if (provider === undefined) throw new HttpError(503, 'no status provider wired');
    const snapshot = await this.withDeadline(() => provider.status(), 'status');
    send(res, 200, JSON_TYPE, JSON.stringify(snapshot));
  }

  private async connectors(res: ServerResponse): Promise<void> {
    const provider = this.options.connectors;
    if (provider === undefined) throw new HttpError(503, 'no connector pipeline wired');
    const list = await this.withDeadline(() => provider.connectors(), 'connectors');
    send(res, 200, JSON_TYPE, JSON.stringify({ connectors: list }));
  }

  private async logLevel(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const control = this.options.logLevel;
    if (control === undefined) throw new HttpError(501, 'log level control not wired');
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
      return send(res, 200, JSON_TYPE, JSON.stringify({ level: control.level }));
    }
    if (method !== 'PUT' && method !== 'POST') return notAllowed(res, 'GET, HEAD, PUT, POST');
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      throw new HttpError(415, 'send Content-Type: application/json with a body like {"level":"debug"}');
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    const body = await readBody(req);
    let level: unknown = url.searchParams.get('level') ?? undefined;
    if (level === undefined && body.trim() !== '') {
      try {
        level = (JSON.parse(body) as { level?: unknown } | null)?.level;
      } catch {
        throw new HttpError(400, 'body is not JSON; send {"level":"debug"} or ?level=debug');
      }
    }
    if (!isLogLevel(level)) {
      throw new HttpError(
        400,
        `unknown log level ${JSON.stringify(level ?? null)}; use one of ${LOG_LEVELS.join(', ')}`,
      );
    }
    const previous = control.level;
    control.level = level;
    this.log.info({ previous, level }, 'log level changed at runtime');
    send(res, 200, JSON_TYPE, JSON.stringify({ level: control.level, previous }));
  }

  /** POST /reprocess {from, to, stage}: rebuilds a window; no deadline, a rebuild takes what it takes. */
  private async reprocess(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const control = this.options.reprocess;
    if (control === undefined) throw new HttpError(501, 'reprocessing not wired in this process');
    const body = await jsonBody(req, '{"from":1764806400000,"to":1764810000000,"stage":"silver"}');
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const from = b['from'];
    const to = b['to'];
    const stage = b['stage'] ?? 'silver';
    const problems: string[] = [];
    if (!Number.isSafeInteger(from) || (from as number) < 0)
      problems.push('from must be ms since epoch (integer ≥ 0)');
    if (!Number.isSafeInteger(to) || (to as number) < 0)
      problems.push('to must be ms since epoch (integer ≥ 0)');
    if (problems.length === 0 && (to as number) <= (from as number)) problems.push('to must be after from');
    if (typeof stage !== 'string' || !control.stages.includes(stage))
      problems.push(`stage must be one of ${control.stages.join(', ')}`);
    if (problems.length > 0) throw new HttpError(400, problems.join('; '));
    const req2 = { from: from as number, to: to as number, stage: stage as string };
    this.log.info(req2, 'reprocess requested');
    const result = await control.reprocess(req2);
    send(res, 200, JSON_TYPE, JSON.stringify({ ...req2, result }));
  }

  private async withDeadline<T>(fn: () => T | Promise<T>, what: string): Promise<T> {
    let timer: { cancel(): void } | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(
        () => reject(new TimeoutError(`${what} provider did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([Promise.resolve().then(fn), deadline]);
    } finally {
      timer?.cancel();
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendHtml(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', HTML_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  send(res, 200, 'text/html; charset=utf-8', STATUS_PAGE_HTML);
}

/** A JSON write body: Content-Type checked, size capped, parsed; `example` goes into the 4xx reason. */
async function jsonBody(req: IncomingMessage, example: string): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(415, `send Content-Type: application/json with a body like ${example}`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES)
    throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
  const text = await readBody(req);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, `body is not JSON; send ${example}`);
  }
}

function notAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  send(res, 405, JSON_TYPE, JSON.stringify({ error: `method not allowed; use ${allow}` }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Stop buffering; the handler answers 413 and closes the connection.
        req.pause();
        reject(new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
