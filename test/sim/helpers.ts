/**
 * Test helpers for the simulator: a small WS client that records every frame (parsed when it
 * is JSON, raw otherwise) and waits for frames or the close, plus an info POST helper. Clients
 * can bind a local address (127.0.0.x) to act as different client IPs.
 */
import WebSocket from 'ws';
import { afterEach } from 'vitest';
import { dec, systemClock, type Clock, type TimerHandle } from '../../src/core/index.js';
import {
  startSimulator,
  type Simulator,
  type SimulatorDeps,
  type SimulatorOptions,
  type WireCandle,
} from '../../src/sim/index.js';
import { until } from '../kit/index.js';

export interface RecvFrame {
  raw: string;
  json: unknown;
  at: number;
}

export class TestClient {
  readonly frames: RecvFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const raw = String(d);
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      this.frames.push({ raw, json, at: Date.now() });
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    ws.on('error', () => undefined);
  }

  static connect(url: string, localAddress?: string): Promise<TestClient> {
    const ws = new WebSocket(url, localAddress ? { localAddress } : {});
    const c = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  subscribe(subscription: Record<string, unknown>): void {
    this.send({ method: 'subscribe', subscription });
  }

  mark(): number {
    return this.frames.length;
  }

  /** Frames (parsed) since `from` whose channel is `channel`. */
  channel(channel: string, from = 0): Record<string, unknown>[] {
    return this.frames
      .slice(from)
      .map((f) => f.json as Record<string, unknown> | undefined)
      .filter((j): j is Record<string, unknown> => j !== undefined && j['channel'] === channel);
  }

  async waitFor(pred: (f: RecvFrame) => boolean, from = 0, timeoutMs = 3000): Promise<RecvFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.slice(from).find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timeout waiting for frame; got ${this.frames
            .slice(from)
            .map((f) => f.raw.slice(0, 120))
            .join('\n')}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, left); // not synchronisation: the deadline, each frame wakes the wait
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  waitChannel(channel: string, from = 0, timeoutMs = 3000): Promise<Record<string, unknown>> {
    return this.waitFor(
      (f) => (f.json as Record<string, unknown> | undefined)?.['channel'] === channel,
      from,
      timeoutMs,
    ).then((f) => f.json as Record<string, unknown>);
  }

  close(): void {
    this.ws.terminate();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}

/**
 * Waits until every frame the simulator has sent on its open connections has reached `clients`
 * (which must be all of them): after a `step()`, the client side has seen the whole block.
 */
export async function delivered(
  s: Simulator,
  clients: readonly TestClient[],
  timeoutMs = 3000,
): Promise<void> {
  const sent = (): number => s.connections().reduce((n, c) => n + c.framesSent, 0);
  const got = (): number => clients.reduce((n, c) => n + c.frames.length, 0);
  await until(
    () => got() >= sent(),
    timeoutMs,
    () => `${sent()} frames sent to reach clients (got ${got()})`,
    1,
  );
}

export async function postInfo(
  url: string,
  body: unknown,
  localAddress?: string,
): Promise<{ status: number; body: unknown }> {
  const http = await import('node:http');
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const s = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = s;
          try {
            parsed = JSON.parse(s);
          } catch {
            /* keep text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/**
 * Per-test simulator + clients: `start()` a simulator (defaults merged with the test's options),
 * `connect()` clients to it; after each test every client and the simulator are closed.
 */
export function simFixture(defaults: SimulatorOptions): {
  start(o?: SimulatorOptions, deps?: SimulatorDeps): Promise<Simulator>;
  connect(s: Simulator, ip?: string): Promise<TestClient>;
} {
  let sim: Simulator | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim?.close();
    sim = undefined;
  });
  return {
    async start(o: SimulatorOptions = {}, deps: SimulatorDeps = {}): Promise<Simulator> {
      sim = await startSimulator({ ...defaults, ...o }, deps);
      return sim;
    },
    async connect(s: Simulator, ip?: string): Promise<TestClient> {
      const c = await TestClient.connect(s.wsUrl, ip);
      clients.push(c);
      return c;
    },
  };
}

/**
 * Real timers, but `now()` can jump forward: lets a test put simulated blocks minutes apart
 * (candle buckets) without waiting, while sockets, heartbeats and idle timers run normally.
 */
export class JumpClock implements Clock {
  private offset = 0;

  constructor(start?: number) {
    if (start !== undefined) this.offset = start - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return systemClock.setTimeout(fn, ms);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return systemClock.setInterval(fn, ms);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
}

/** A candle with its decimals compared by value (wire text keeps a trailing `.0`, Decimal.toString does not). */
export const candleByValue = (c: WireCandle): WireCandle => ({
  ...c,
  o: dec(c.o).toString(),
  c: dec(c.c).toString(),
  h: dec(c.h).toString(),
  l: dec(c.l).toString(),
  v: dec(c.v).toString(),
});
