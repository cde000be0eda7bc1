/**
 * The WebSocket side of the simulator: accepts upgrades on /ws under the per-IP connection
 * limits, handles ping / subscribe / unsubscribe / post with the real server's acks and error
 * strings, sends snapshots on every (re)subscribe (the current bbo / asset context for those
 * state feeds), and fans each produced block out to the matching subscriptions: user feeds,
 * trades, the candle each trade updated, the bbo after a coin traded, the asset context.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Address, Clock, Logger } from '../core/index.js';
import { clearinghouseState } from './clearinghouse.js';
import { SimConnection } from './connection.js';
import type { Engine } from './engine.js';
import type { FaultController } from './faults.js';
import * as F from './frames.js';
import type { InfoHandler } from './info.js';
import { SlidingWindow, clientIp, type SimLimits } from './limits.js';
import { PERP_DEXES } from './markets.js';
import { normalizeSub, subUser, type NormalizedSub } from './subscriptions.js';
import type { Block, WireFill } from './types.js';

export interface WsHubDeps {
  clock: Clock;
  logger: Logger;
  limits: () => SimLimits;
  expireAfterMs: number;
  engine: Engine;
  info: InfoHandler;
  faults: () => FaultController;
}

export type HubEvent =
  | { type: 'connection'; connId: string; ip: string }
  | { type: 'close'; connId: string; code: number; reason: string }
  | { type: 'subscribe' | 'unsubscribe'; connId: string; subscription: NormalizedSub }
  | { type: 'rejected'; ip: string; reason: string };

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export class WsHub {
  readonly connections = new Map<string, SimConnection>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly newConns: SlidingWindow;
  private readonly messages: SlidingWindow;
  private readonly listeners = new Set<(e: HubEvent) => void>();
  private seq = 0;

  constructor(private readonly deps: WsHubDeps) {
    const win = (): number => deps.limits().windowMs;
    this.newConns = new SlidingWindow(deps.clock, win);
    this.messages = new SlidingWindow(deps.clock, win);
  }

  on(fn: (e: HubEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: HubEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.deps.logger.warn({ err }, 'sim event listener threw');
      }
    }
  }

  private byIp(ip: string): SimConnection[] {
    return [...this.connections.values()].filter((c) => c.ip === ip && c.isOpen());
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ip = clientIp(req.socket.remoteAddress);
    const lim = this.deps.limits();
    if (this.deps.faults().refusing()) {
      this.emit({ type: 'rejected', ip, reason: 'refused (fault)' });
      return reject(socket, 503, 'Service Unavailable');
    }
    if (!this.newConns.tryAdd(ip, 1, lim.maxNewConnectionsPerWindow)) {
      this.emit({ type: 'rejected', ip, reason: 'new connections per window' });
      return reject(socket, 429, 'Too Many Requests');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ip));
  }

  private accept(ws: WebSocket, ip: string): void {
    const lim = this.deps.limits();
    if (this.byIp(ip).length >= lim.maxConnectionsPerIp) {
      this.emit({ type: 'rejected', ip, reason: 'connections per IP' });
      ws.close(1008, `Cannot open more than ${lim.maxConnectionsPerIp} connections.`);
      return;
    }
    const id = `c${++this.seq}`;
    const conn = new SimConnection(id, ip, ws, this.deps.clock, {
      idleTimeoutMs: lim.idleTimeoutMs,
      expireAfterMs: this.deps.expireAfterMs,
    });
    this.connections.set(id, conn);
    ws.on('message', (data, isBinary) => this.onMessage(conn, isBinary ? '' : String(data)));
    ws.on('error', (err) => this.deps.logger.debug({ err, connId: id }, 'sim ws error'));
    ws.on('close', (code, reason) => {
      conn.onClosed();
      this.connections.delete(id);
      this.emit({ type: 'close', connId: id, code, reason: String(reason) });
    });
    this.emit({ type: 'connection', connId: id, ip });
  }

  private onMessage(conn: SimConnection, text: string): void {
    if (!conn.isOpen()) return;
    if (conn.isStalled()) return conn.ignored(); // a stalled server reads nothing
    conn.touch();
    const lim = this.deps.limits();
    if (!this.messages.tryAdd(conn.ip, 1, lim.maxMessagesPerWindow)) {
      return conn.send(
        F.errorFrame(`Cannot send more than ${lim.maxMessagesPerWindow} messages per minute.`),
      );
    }
    const parseError = (): void =>
      conn.send(F.errorFrame(`Error parsing JSON into valid websocket request: ${text}`));
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return parseError();
    }
    if (typeof msg !== 'object' || msg === null) return parseError();
    const m = msg as Record<string, unknown>;
    switch (m['method']) {
      case 'ping':
        return conn.send(F.pong());
      case 'subscribe':
        return this.subscribe(conn, m['subscription'], parseError);
      case 'unsubscribe':
        return this.unsubscribe(conn, m['subscription'], parseError);
      case 'post':
        return this.post(conn, m, parseError);
      default:
        return parseError();
    }
  }

  private subscribe(conn: SimConnection, raw: unknown, parseError: () => void): void {
    const p = normalizeSub(raw);
    if (!p.ok)
      return p.error === 'parse'
        ? parseError()
        : conn.send(F.errorFrame(`Invalid subscription ${JSON.stringify(raw)}`));
    const { sub, key } = p;
    if (conn.subs.has(key)) return conn.send(F.errorFrame(`Already subscribed: ${JSON.stringify(sub)}`));
    const lim = this.deps.limits();
    const peers = this.byIp(conn.ip);
    if (peers.reduce((n, c) => n + c.subs.size, 0) >= lim.maxSubscriptionsPerIp) {
      return conn.send(F.errorFrame(`Cannot subscribe to more than ${lim.maxSubscriptionsPerIp} channels.`));
    }
    const user = subUser(sub);
    if (user !== undefined) {
      const held = new Set(
        peers.flatMap((c) => [...c.subs.values()].map(subUser)).filter((u) => u !== undefined),
      );
      if (!held.has(user) && held.size >= lim.maxUsersPerIp) {
        return conn.send(F.errorFrame(`Cannot track more than ${lim.maxUsersPerIp} total users.`));
      }
    }
    conn.subs.set(key, sub);
    conn.send(F.ack('subscribe', sub));
    this.snapshot(conn, sub);
    this.emit({ type: 'subscribe', connId: conn.id, subscription: sub });
  }

  private unsubscribe(conn: SimConnection, raw: unknown, parseError: () => void): void {
    const p = normalizeSub(raw);
    if (!p.ok)
      return p.error === 'parse'
        ? parseError()
        : conn.send(F.errorFrame(`Invalid subscription ${JSON.stringify(raw)}`));
    if (!conn.subs.delete(p.key))
      return conn.send(F.errorFrame(`Already unsubscribed: ${JSON.stringify(p.sub)}`));
    conn.send(F.ack('unsubscribe', p.sub));
    this.emit({ type: 'unsubscribe', connId: conn.id, subscription: p.sub });
  }

  private post(conn: SimConnection, m: Record<string, unknown>, parseError: () => void): void {
    const id = m['id'];
    const req = m['request'] as Record<string, unknown> | undefined;
    if (typeof id !== 'number' || typeof req !== 'object' || req === null || req['type'] !== 'info')
      return parseError();
    const payload = req['payload'];
    const ans = this.deps.info.handle(payload);
    const ptype =
      typeof payload === 'object' && payload !== null
        ? (payload as Record<string, unknown>)['type']
        : undefined;
    if (ans.status !== 200)
      return conn.send({
        channel: 'post',
        data: { id, response: { type: 'error', payload: String(ans.body) } },
      });
    conn.send({
      channel: 'post',
      data: { id, response: { type: 'info', payload: { type: ptype, data: ans.body } } },
    });
  }

  private stateOf(user: string, dex: string): unknown {
    const e = this.deps.engine;
    return clearinghouseState(e.ledger, user as Address, dex, (c) => e.mark(c), this.deps.clock.now());
  }

  private snapshot(conn: SimConnection, sub: NormalizedSub): void {
    const truth = this.deps.engine.truth;
    const lim = this.deps.limits();
    switch (sub.type) {
      case 'userFills': {
        const fills = truth.recent(sub.user, lim.snapshotFills);
        return conn.send(
          F.userFillsFrame(sub.user, sub.aggregateByTime ? F.aggregateByTime(fills) : fills, true),
        );
      }
      case 'userTwapSliceFills': {
        const s = truth.twapSlices(sub.user);
        return conn.send(
          F.twapSliceFrame(sub.user, s.slice(Math.max(0, s.length - lim.snapshotFills)).reverse(), true),
        );
      }
      case 'clearinghouseState':
        return conn.send(F.clearinghouseFrame(sub.user, sub.dex, this.stateOf(sub.user, sub.dex)));
      case 'allDexsClearinghouseState':
        return conn.send(
          F.allDexsFrame(
            sub.user,
            PERP_DEXES.map((d) => [d, this.stateOf(sub.user, d)]),
          ),
        );
      case 'bbo': {
        // State feeds push the current state at once; the time series (trades, candle) do not.
        const b = this.deps.engine.market.bbo(sub.coin);
        // A market that has not traded since start still has its opening quote (time 0); the
        // exchange stamps every bbo it sends, so it goes out at the current time.
        if (b) conn.send(F.bboFrame(b.time === 0 ? { ...b, time: this.deps.clock.now() } : b));
        return;
      }
      case 'activeAssetCtx': {
        const c = this.deps.engine.market.assetCtx(sub.coin);
        if (c) conn.send(F.assetCtxFrame(c));
        return;
      }
      default:
        return; // userEvents, orderUpdates, trades and candle replay nothing on (re)subscribe
    }
  }

  /** Push one block to every matching subscription. */
  broadcast(block: Block): void {
    const fillsBy = new Map<string, WireFill[]>();
    for (const { user, fill } of block.fills)
      (fillsBy.get(user) ?? fillsBy.set(user, []).get(user))?.push(fill);
    const tradesBy = new Map<string, Block['trades']>();
    for (const t of block.trades) (tradesBy.get(t.coin) ?? tradesBy.set(t.coin, []).get(t.coin))?.push(t);
    const market = this.deps.engine.market;
    const ctxs = new Map<string, ReturnType<typeof market.assetCtx>>();
    const ctxOf = (coin: string): ReturnType<typeof market.assetCtx> => {
      if (!ctxs.has(coin)) ctxs.set(coin, market.assetCtx(coin));
      return ctxs.get(coin);
    };
    const states = new Map<string, unknown>();
    const state = (user: string, dex: string): unknown => {
      const k = `${user}|${dex}`;
      if (!states.has(k)) states.set(k, this.stateOf(user, dex));
      return states.get(k);
    };
    // Connections following the same user or coin get the same frame: made and serialized once.
    const made = new Map<string, readonly [F.Frame, string]>();
    const push = (conn: SimConnection, key: string, make: () => F.Frame | undefined): void => {
      let m = made.get(key);
      if (m === undefined) {
        const frame = make();
        if (frame === undefined) return;
        m = [frame, JSON.stringify(frame)];
        made.set(key, m);
      }
      conn.send(m[0], m[1]);
    };
    for (const conn of this.connections.values()) {
      if (!conn.isOpen()) continue;
      for (const sub of conn.subs.values()) {
        switch (sub.type) {
          case 'userFills': {
            const f = fillsBy.get(sub.user);
            if (f?.length)
              push(conn, `userFills|${sub.user}|${sub.aggregateByTime}`, () =>
                F.userFillsFrame(sub.user, sub.aggregateByTime ? F.aggregateByTime(f) : f, false),
              );
            break;
          }
          case 'userEvents': {
            const f = fillsBy.get(sub.user);
            if (f?.length) push(conn, `userEvents|${sub.user}`, () => F.userEventFills(f));
            for (const l of block.liquidations)
              if (l.user === sub.user) conn.send(F.userEventLiquidation(l.event));
            break;
          }
          case 'orderUpdates': {
            const u = block.orderUpdates.filter((o) => o.user === sub.user).map((o) => o.update);
            if (u.length) conn.send(F.orderUpdatesFrame(u));
            break;
          }
          case 'userTwapSliceFills': {
            const s = block.twapSlices.filter((x) => x.user === sub.user).map((x) => x.slice);
            if (s.length) conn.send(F.twapSliceFrame(sub.user, s, false));
            break;
          }
          case 'clearinghouseState':
            if (block.changed.get(sub.user as Address)?.has(sub.dex))
              push(conn, `clearinghouseState|${sub.user}|${sub.dex}`, () =>
                F.clearinghouseFrame(sub.user, sub.dex, state(sub.user, sub.dex)),
              );
            break;
          case 'allDexsClearinghouseState':
            if (block.changed.has(sub.user as Address))
              push(conn, `allDexsClearinghouseState|${sub.user}`, () =>
                F.allDexsFrame(
                  sub.user,
                  PERP_DEXES.map((d) => [d, state(sub.user, d)]),
                ),
              );
            break;
          case 'trades': {
            const t = tradesBy.get(sub.coin);
            if (t?.length) push(conn, `trades|${sub.coin}`, () => F.tradesFrame(t));
            break;
          }
          case 'candle': {
            // The candle the block's trades updated (a block's trades share one time, one bucket).
            if (!tradesBy.has(sub.coin)) break;
            push(conn, `candle|${sub.coin}|${sub.interval}`, () => {
              const c = market.candles.latest(sub.coin, sub.interval);
              return c ? F.candleFrame(c) : undefined;
            });
            break;
          }
          case 'bbo': {
            if (!tradesBy.has(sub.coin)) break;
            push(conn, `bbo|${sub.coin}`, () => {
              const b = market.bbo(sub.coin);
              return b ? F.bboFrame(b) : undefined;
            });
            break;
          }
          case 'activeAssetCtx': {
            // The mark walks every block, so the context changes every block.
            push(conn, `activeAssetCtx|${sub.coin}`, () => {
              const c = ctxOf(sub.coin);
              return c ? F.assetCtxFrame(c) : undefined;
            });
            break;
          }
        }
      }
    }
  }

  resetWindows(): void {
    this.newConns.reset();
    this.messages.reset();
  }

  close(): void {
    for (const c of this.connections.values()) c.terminate();
    this.connections.clear();
    this.wss.close();
  }
}
