/**
 * The operations HTTP surface on its own port (node:http, no framework): /metrics for
 * Prometheus, /health and /ready for Kubernetes probes, /status (+ /status.json) and the HTML
 * status page for SREs, /connectors (the pipeline's connectors, health and version), and
 * /log-level to change verbosity without a restart. Everything it shows comes through the ports in ports.ts; a provider that throws or hangs turns into a
 * 503/500 with a reason, never into a hung probe.
 */
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
  StatusProvider,
} from './ports.js';
import { STATUS_PAGE_HTML } from './status-page.js';

/** What /metrics needs: a Metrics instance satisfies it. */
export interface MetricsSource {
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface ObsServerOptions {
  /** Interface to bind; default `0.0.0.0` (probes and Prometheus come from outside the pod). */
  readonly host?: string;
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
  /** Deadline for one provider call; default 2000 ms (below the probe's 5 s timeout). */
  readonly providerTimeoutMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

export const DEFAULT_OBS_PORT = 9464;
/** /log-level bodies are tiny; anything bigger is not a log level. */
const MAX_BODY_BYTES = 4096;

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

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
        if (!res.headersSent) send(res, status, JSON_TYPE, JSON.stringify({ error: errorMessage(err) }));
        else res.destroy();
      });
    });
  }

  /** Binds and resolves with the bound address (useful with port 0). Idempotent. */
  start(): Promise<AddressInfo> {
    this.startPromise ??= new Promise<AddressInfo>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? DEFAULT_OBS_PORT, this.options.host ?? '0.0.0.0', () => {
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
        res.setHeader('Vary', 'Accept');
        return prefersHtml(req.headers.accept) ? sendHtml(res) : this.status(res);
      case '/status.json':
        return read ? this.status(res) : notAllowed(res, 'GET, HEAD');
      case '/log-level':
        return this.logLevel(req, res, url);
      case '/connectors':
        return read ? this.connectors(res) : notAllowed(res, 'GET, HEAD');
      default:
        return send(res, 404, JSON_TYPE, JSON.stringify({ error: `no such endpoint: ${url.pathname}` }));
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
        // Keep draining (so the 413 reaches the client) but stop buffering.
        reject(new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
