/**
 * `startSimulator`: one loopback HTTP server carrying the WebSocket upgrade on /ws, `POST /info`
 * with the per-IP weight budget and info faults, and the /_control API; a clock-driven block
 * ticker feeding the engine; fault injection and ground truth exposed to tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  normalizeAddress,
  parseAt,
  silentLogger,
  systemClock,
  type Address,
  type Clock,
  type Logger,
  type TimerHandle,
} from '../core/index.js';
import type { ConnectionInfo } from './connection.js';
import { handleControl, sendJson } from './control.js';
import { Engine, deriveAddresses } from './engine.js';
import { FaultController, type SimFaults } from './faults.js';
import type { GroundTruth } from './ground-truth.js';
import { InfoHandler } from './info.js';
import { DEFAULT_LIMITS, SlidingWindow, clientIp, type SimLimits } from './limits.js';
import { loadScenario, parseScenario, scenarioAccounts, type Scenario } from './scenario.js';
import type { Block } from './types.js';
import { WsHub, type HubEvent } from './ws-server.js';

/** The real server's connection lifetime (~3 h `Expired` rotation). */
const EXPIRE_MS = 3 * 60 * 60 * 1000;
const MAX_BODY_BYTES = 1 << 20;

const LimitsInput = z
  .object(
    Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((k) => [k, z.number().int().min(0)])) as Record<
      keyof SimLimits,
      z.ZodNumber
    >,
  )
  .partial()
  .strict();

export const SimulatorOptions = z
  .object({
    /** TCP port (0 = any free port). */
    port: z.number().int().min(0).max(65535).default(0),
    host: z.string().default('127.0.0.1'),
    /** Seed of the random market (and of derived account addresses). */
    seed: z.union([z.number(), z.string()]).default(1),
    /** Tracked accounts: a count (addresses derived from the seed) or explicit addresses. */
    accounts: z.union([z.number().int().min(0).max(1000), z.array(z.string())]).default(3),
    /** A scenario file path (JSON/YAML) or an already-parsed scenario object. */
    scenario: z.unknown().optional(),
    /** Block interval in ms; 0 = no ticker (blocks only via step()). */
    tickMs: z.number().min(0).default(1000),
    /** Divides the default idle timeout and Expired lifetime (e.g. 1000 makes 3 h into 10.8 s). */
    timeScale: z.number().positive().default(1),
    limits: LimitsInput.default({}),
    /** Connection lifetime before the `Expired` close (default 3 h / timeScale; 0 disables). */
    expireAfterMs: z.number().min(0).optional(),
    /** Start with trading paused (step() still works). */
    paused: z.boolean().default(false),
    /** Upper bound of tracked-account events per random block. */
    eventsPerBlock: z.number().int().min(1).default(3),
    /** Upper bound of background-only trades per block. */
    noisePerBlock: z.number().int().min(1).default(4),
    /** Whether TWAP slices on userFills carry their twapId (the userTwapSliceFills inner fill never does). */
    twapIdInUserFills: z.boolean().default(true),
  })
  .strict();
export type SimulatorOptions = z.input<typeof SimulatorOptions>;

export type SimEvent =
  | HubEvent
  | {
      type: 'block';
      height: number;
      /** The block's time, stamped as its production starts (what its fills carry). */
      time: number;
      /** When its frames started going out, after it was produced (same clock). */
      sendAt: number;
      fills: number;
      trades: number;
    };

export interface SimulatorState {
  blockHeight: number;
  paused: boolean;
  accounts: readonly Address[];
  wsUrl: string;
  infoUrl: string;
  connections: ConnectionInfo[];
  infoFault: unknown;
  refusingConnections: boolean;
  limits: SimLimits;
}

export interface Simulator {
  readonly host: string;
  readonly port: number;
  readonly wsUrl: string;
  readonly infoUrl: string;
  readonly controlUrl: string;
  /** Tracked accounts (lower-case), in the order scenarios index them. */
  readonly accounts: readonly Address[];
  readonly faults: SimFaults;
  readonly groundTruth: GroundTruth;
  /** Live limits object: tests may change fields at runtime. */
  readonly limits: SimLimits;
  connections(): ConnectionInfo[];
  /** Produce `n` blocks now (works while paused) and deliver them. */
  step(n?: number): Block[];
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  blockHeight(): number;
  state(): SimulatorState;
  /** Forget every rate window (new connections, messages, info weight). */
  resetRateWindows(): void;
  on(fn: (e: SimEvent) => void): () => void;
  close(): Promise<void>;
}

export interface SimulatorDeps {
  clock?: Clock;
  logger?: Logger;
}

async function resolveScenario(v: unknown): Promise<Scenario | undefined> {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? loadScenario(v) : parseScenario(v);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new RangeError('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startSimulator(
  options: SimulatorOptions = {},
  deps: SimulatorDeps = {},
): Promise<Simulator> {
  const o = parseAt(SimulatorOptions, options, 'simulator options');
  const clock = deps.clock ?? systemClock;
  const logger = (deps.logger ?? silentLogger).child({ component: 'sim' });
  const scenario = await resolveScenario(o.scenario);
  const limits: SimLimits = {
    ...DEFAULT_LIMITS,
    idleTimeoutMs: Math.round(DEFAULT_LIMITS.idleTimeoutMs / o.timeScale),
    ...o.limits,
  };
  const expireAfterMs = o.expireAfterMs ?? Math.round(EXPIRE_MS / o.timeScale);
  const accounts: Address[] =
    (scenario && scenarioAccounts(scenario)) ??
    (typeof o.accounts === 'number'
      ? deriveAddresses(o.seed, 'tracked', o.accounts)
      : o.accounts.map((a) => normalizeAddress(a)));

  const engine = new Engine({
    seed: o.seed,
    accounts,
    ...(scenario ? { scenario } : {}),
    eventsPerBlock: o.eventsPerBlock,
    noisePerBlock: o.noisePerBlock,
    twapIdInUserFills: o.twapIdInUserFills,
  });
  const info = new InfoHandler(
    engine,
    () => limits,
    () => clock.now(),
  );
  // The fault controller and the hub refer to each other lazily (closures run after both exist).
  const faults: FaultController = new FaultController(clock, () => hub.connections.values());
  const hub = new WsHub({
    clock,
    logger,
    limits: () => limits,
    expireAfterMs,
    engine,
    info,
    faults: () => faults,
  });

  const weights = new SlidingWindow(clock, () => limits.windowMs);
  const listeners = new Set<(e: SimEvent) => void>();
  const emit = (e: SimEvent): void => {
    for (const fn of listeners) {
      try {
        fn(e);
      } catch (err) {
        logger.warn({ err }, 'sim event listener threw');
      }
    }
  };
  hub.on(emit);

  const onInfo = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const ip = clientIp(req.socket.remoteAddress);
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return sendJson(res, 422, 'Failed to deserialize the JSON body into the target type');
    }
    const forced = faults.takeInfoFault();
    if (forced !== undefined) return sendJson(res, forced, forced === 429 ? null : 'simulated server error');
    if (weights.used(ip) + info.weightOf(body) > limits.infoWeightPerWindow) return sendJson(res, 429, null);
    const ans = info.handle(body);
    weights.add(ip, ans.weight);
    sendJson(res, ans.status, ans.body);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const run = async (): Promise<void> => {
      if (path === '/info' && req.method === 'POST') return onInfo(req, res);
      if (path.startsWith('/_control/')) {
        let body: unknown;
        if (req.method === 'POST') {
          const text = await readBody(req);
          try {
            body = text.trim() ? JSON.parse(text) : undefined;
          } catch {
            return sendJson(res, 400, { error: 'body is not JSON' });
          }
        }
        return handleControl(sim, req, res, body);
      }
      sendJson(res, 404, { error: `no route ${req.method ?? ''} ${path}` });
    };
    run().catch((err: unknown) => {
      logger.warn({ err }, 'sim http request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal simulator error' });
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    socket.on('error', () => undefined); // a client vanishing mid-handshake is not our failure
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/ws') return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    hub.handleUpgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
  const base = `http://${hostInUrl}:${port}`;

  let paused = o.paused;
  let ticker: TimerHandle | undefined;
  let closing: Promise<void> | undefined;

  const step = (n = 1): Block[] => {
    const out: Block[] = [];
    for (let i = 0; i < n; i++) {
      const block = engine.produce(clock.now());
      const sendAt = clock.now();
      hub.broadcast(block);
      emit({
        type: 'block',
        height: block.height,
        time: block.time,
        sendAt,
        fills: block.fills.length,
        trades: block.trades.length,
      });
      out.push(block);
    }
    return out;
  };

  if (o.tickMs > 0) {
    ticker = clock.setInterval(() => {
      if (paused) return;
      try {
        step(1);
      } catch (err) {
        logger.error({ err }, 'sim block failed');
      }
    }, o.tickMs);
  }

  const sim: Simulator = {
    host: o.host,
    port,
    wsUrl: `ws://${hostInUrl}:${port}/ws`,
    infoUrl: `${base}/info`,
    controlUrl: `${base}/_control`,
    accounts,
    faults,
    groundTruth: engine.truth,
    limits,
    connections: () => [...hub.connections.values()].map((c) => c.info()),
    step,
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    isPaused: () => paused,
    blockHeight: () => engine.blockHeight(),
    state: () => ({
      blockHeight: engine.blockHeight(),
      paused,
      accounts,
      wsUrl: sim.wsUrl,
      infoUrl: sim.infoUrl,
      connections: sim.connections(),
      infoFault: faults.info,
      refusingConnections: faults.refusing(),
      limits,
    }),
    resetRateWindows: () => {
      hub.resetWindows();
      weights.reset();
    },
    on: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close: () =>
      (closing ??= (async () => {
        ticker?.cancel();
        hub.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })()),
  };
  logger.info({ wsUrl: sim.wsUrl, accounts: accounts.length }, 'simulator listening');
  return sim;
}
