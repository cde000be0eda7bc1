/**
 * One planned connection (planner `PlannedConnection`) as a living thing: the desired
 * subscriptions, the HlWsConnection that currently carries them (`socketId` =
 * `<connectionId>#<generation>`), and make-before-break replacement: a new socket is opened,
 * every subscription re-acked on it, and only then the old socket is closed. Both sockets
 * deliver during the overlap; the fan-in's dedup removes the copies. Socket events are
 * re-emitted tagged with the socket, and only the current socket's state counts for health.
 */
import type { Clock, DeadLetter, ListenerKind, Logger, TimerHandle } from '../core/index.js';
import { AbortedError, TimeoutError, backoffDelay, errorMessage } from '../core/index.js';
import type { ConnectionEvents, FrameMemo, Subscription } from '../protocol/index.js';
import { HlWsConnection, subscriptionKey } from '../protocol/index.js';
import { TypedEmitter } from '../core/index.js';
import type { EgressPoolHandle } from './egress.js';
import type { ConnectionTuning, SubscribeRetry } from './types.js';
import { defaultSubscribeRetry } from './subscribe-retry.js';

export interface ManagedConnectionEvents {
  [k: string]: unknown;
  frame: ConnectionEvents['frame'];
  opened: { readonly socketId: string; readonly attempt: number };
  closed: {
    readonly socketId: string;
    readonly code: number;
    readonly reason: string;
    readonly cause: string;
    readonly current: boolean;
  };
  reconnect: { readonly attempt: number; readonly delayMs: number; readonly reason: string };
  /** Something changed the current socket's connection/subscription state. */
  changed: { readonly socketId: string };
  pong: { readonly latencyMs: number };
  error: { readonly error: Error };
  deadLetter: DeadLetter;
  /** A subscribe was refused (server error, ack timeout, budget) and is tried again after `delayMs`. */
  subscribeRetry: {
    readonly key: string;
    readonly subscription: Subscription;
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: Error;
  };
}

export interface ManagedConnectionOptions {
  readonly id: string;
  readonly kind: ListenerKind;
  readonly pool: EgressPoolHandle;
  readonly url: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tuning: ConnectionTuning;
  /** Market-stream fast path; returns true when it consumed the frame. */
  readonly onRawFrame?: (text: string, receivedAt: number) => boolean;
  /**
   * How a refused subscribe of `sub` is tried again on the same socket (per-influencer
   * overrides come through here). Default: the reconnect policy, no floor.
   */
  readonly retryFor?: (sub: Subscription) => SubscribeRetry;
  /** Shared by every connection of the process (FrameMemo): each socket it opens parses through it. */
  readonly frameMemo?: FrameMemo;
}

export class ManagedConnection {
  readonly id: string;
  readonly kind: ListenerKind;
  readonly pool: EgressPoolHandle;
  readonly events: TypedEmitter<ManagedConnectionEvents>;
  /** When the current socket last opened (for planned rotation times). */
  openedAt: number | null = null;
  lastFrameAt: number | null = null;
  /** Frames per channel since the last report. */
  readonly channelCounts = new Map<string, number>();
  private readonly desired = new Map<string, Subscription>();
  /** Refused subscribes waiting for their next try, by subscription key. */
  private readonly retries = new Map<string, { attempt: number; timer: TimerHandle | null }>();
  private current: HlWsConnection;
  private pending: HlWsConnection | null = null;
  private generation = 0;
  private closing: Promise<void> | null = null;

  constructor(private readonly o: ManagedConnectionOptions) {
    this.id = o.id;
    this.kind = o.kind;
    this.pool = o.pool;
    this.events = new TypedEmitter((err, event) =>
      o.logger.error({ err, event, connection: o.id }, 'managed connection listener threw'),
    );
    this.current = this.makeSocket();
  }

  get socketId(): string {
    return this.current.id;
  }

  get state(): HlWsConnection['state'] {
    return this.current.state;
  }

  isOpen(): boolean {
    return this.current.state === 'open';
  }

  start(): void {
    this.current.start();
  }

  desiredSubscriptions(): Subscription[] {
    return [...this.desired.values()];
  }

  /** Active (acked on the current socket) subscription keys. */
  activeKeys(): Set<string> {
    const out = new Set<string>();
    if (this.current.state !== 'open') return out;
    for (const s of this.current.subscriptions()) if (s.active) out.add(s.key);
    return out;
  }

  subscribe(sub: Subscription): void {
    const key = subscriptionKey(sub);
    if (this.desired.has(key)) return;
    this.desired.set(key, sub);
    for (const sock of this.sockets()) this.sendSubscribe(sock, sub);
  }

  unsubscribe(sub: Subscription): void {
    const key = subscriptionKey(sub);
    const held = this.desired.get(key);
    if (!held) return;
    this.desired.delete(key);
    this.cancelRetry(key);
    // Same body as the subscribe (docs/hyperliquid-protocol.md §1.2).
    for (const sock of this.sockets()) {
      sock
        .unsubscribe(held)
        .catch((err: unknown) =>
          this.events.emit('error', { error: err instanceof Error ? err : new Error(errorMessage(err)) }),
        );
    }
  }

  /** Drop and reconnect the current socket (unplanned path; used when replacement is impossible). */
  forceReconnect(): void {
    this.current.forceReconnect('manual');
  }

  /**
   * Make-before-break: open a new socket, re-ack every subscription on it within `timeoutMs`,
   * then make it current and close the old one. Rejects (old socket untouched) on failure.
   */
  async replace(timeoutMs: number): Promise<void> {
    if (this.closing) return;
    if (this.pending) throw new Error(`connection ${this.id}: a replacement is already in progress`);
    const next = this.makeSocket();
    this.pending = next;
    let timer: { cancel(): void } | null = null;
    try {
      next.start();
      const acks = Promise.all(this.desiredSubscriptions().map((s) => next.subscribe(s)));
      const deadline = new Promise<never>((_, reject) => {
        timer = this.o.clock.setTimeout(
          () =>
            reject(
              new TimeoutError(`connection ${this.id}: replacement not subscribed within ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
      });
      await Promise.race([acks, deadline]);
    } catch (err) {
      this.pending = null;
      await next.close();
      throw err;
    } finally {
      (timer as { cancel(): void } | null)?.cancel();
    }
    this.pending = null;
    if (this.closing) {
      await next.close();
      return;
    }
    const old = this.current;
    this.current = next;
    // Every subscription was acked on the new socket: retries pending on the old one are moot.
    for (const key of [...this.retries.keys()]) this.cancelRetry(key);
    this.openedAt = this.o.clock.now();
    this.events.emit('changed', { socketId: next.id });
    await old.close();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const key of [...this.retries.keys()]) this.cancelRetry(key);
      const socks = this.sockets();
      await Promise.all(socks.map((s) => s.close()));
    })();
    return this.closing;
  }

  private sockets(): HlWsConnection[] {
    return this.pending ? [this.current, this.pending] : [this.current];
  }

  private sendSubscribe(sock: HlWsConnection, sub: Subscription): void {
    const key = subscriptionKey(sub);
    sock.subscribe(sub).then(
      () => {
        if (sock === this.current) this.cancelRetry(key);
      },
      // The retry, if any, comes from the socket's subscribeFailed event.
      (err: unknown) => {
        if (sock.state === 'closed' || err instanceof AbortedError) return;
        this.events.emit('error', { error: err instanceof Error ? err : new Error(errorMessage(err)) });
      },
    );
  }

  /**
   * A refused subscribe (user cap, subscription cap, ack timeout, our own budget) is tried
   * again on the same socket with backoff, never given up: otherwise the listener would stay
   * without it until the next reconnect, possibly hours. A replacement socket that is refused
   * is not retried here: replace() fails and the rotation logic decides.
   */
  private scheduleRetry(sock: HlWsConnection, sub: Subscription, key: string, error: Error): void {
    if (this.closing || sock !== this.current || !this.desired.has(key)) return;
    const r = this.retries.get(key) ?? { attempt: 0, timer: null };
    if (r.timer) return; // one pending try per subscription
    r.attempt++;
    const { policy, minIntervalMs, random } = this.o.retryFor?.(sub) ?? defaultSubscribeRetry(this.o.tuning);
    const delayMs = Math.max(minIntervalMs, backoffDelay(policy, r.attempt, random));
    r.timer = this.o.clock.setTimeout(() => {
      r.timer = null;
      if (this.closing || sock !== this.current || sock.state === 'closed' || !this.desired.has(key)) return;
      this.sendSubscribe(sock, sub);
    }, delayMs);
    this.retries.set(key, r);
    this.o.logger.warn(
      { err: error, connection: this.id, subscription: key, attempt: r.attempt, delayMs },
      'subscribe refused; trying again',
    );
    this.events.emit('subscribeRetry', { key, subscription: sub, attempt: r.attempt, delayMs, error });
  }

  private cancelRetry(key: string): void {
    this.retries.get(key)?.timer?.cancel();
    this.retries.delete(key);
  }

  private makeSocket(): HlWsConnection {
    const t = this.o.tuning;
    const sock = new HlWsConnection({
      id: `${this.id}#${this.generation++}`,
      url: this.o.url,
      budget: this.o.pool.budget,
      clock: this.o.clock,
      logger: this.o.logger,
      ...this.o.pool.socket,
      ...(t.heartbeat !== undefined ? { heartbeat: t.heartbeat } : {}),
      ...(t.stall !== undefined ? { stall: t.stall } : {}),
      ...(t.reconnect ? { reconnect: t.reconnect } : {}),
      ...(t.ackTimeoutMs !== undefined ? { ackTimeoutMs: t.ackTimeoutMs } : {}),
      ...(t.subscribeRatePerSec !== undefined ? { subscribeRatePerSec: t.subscribeRatePerSec } : {}),
      ...(t.connectTimeoutMs !== undefined ? { connectTimeoutMs: t.connectTimeoutMs } : {}),
      ...(t.maxFrameBytes !== undefined ? { maxFrameBytes: t.maxFrameBytes } : {}),
      ...(t.WebSocket ? { WebSocket: t.WebSocket } : {}),
      ...(this.o.onRawFrame ? { onRawFrame: this.wrapRaw(this.o.onRawFrame) } : {}),
      ...(this.o.frameMemo ? { frameMemo: this.o.frameMemo } : {}),
    });
    const isCurrent = (): boolean => this.current === sock;
    sock.on('frame', (f) => {
      this.lastFrameAt = f.receivedAt;
      this.channelCounts.set(f.channel, (this.channelCounts.get(f.channel) ?? 0) + 1);
      this.events.emit('frame', f);
    });
    sock.on('open', (e) => {
      if (isCurrent()) this.openedAt = this.o.clock.now();
      this.events.emit('opened', { socketId: sock.id, attempt: e.attempt });
      if (isCurrent()) this.events.emit('changed', { socketId: sock.id });
    });
    sock.on('close', (e) => {
      this.events.emit('closed', { socketId: sock.id, ...e, current: isCurrent() });
      if (isCurrent()) this.events.emit('changed', { socketId: sock.id });
    });
    sock.on('state', () => {
      if (isCurrent()) this.events.emit('changed', { socketId: sock.id });
    });
    sock.on('subscribed', () => {
      if (isCurrent()) this.events.emit('changed', { socketId: sock.id });
    });
    sock.on('reconnectScheduled', (e) => {
      if (isCurrent()) this.events.emit('reconnect', e);
    });
    sock.on('pong', (e) => {
      if (isCurrent()) this.events.emit('pong', e);
    });
    // Refusals and ack timeouts, including those of resubscribes after a reconnect, which no
    // caller waits on: try again on this socket while it is current.
    sock.on('subscribeFailed', (e) => {
      const sub = this.desired.get(e.key);
      if (sub) this.scheduleRetry(sock, sub, e.key, e.error);
    });
    sock.on('deadLetter', (d) => this.events.emit('deadLetter', d));
    sock.on('error', (e) => this.events.emit('error', { error: e.error }));
    for (const s of this.desired.values()) this.sendSubscribe(sock, s);
    return sock;
  }

  private wrapRaw(fn: (text: string, receivedAt: number) => boolean): (text: string, at: number) => boolean {
    return (text, at) => {
      if (!fn(text, at)) return false;
      this.lastFrameAt = at;
      this.channelCounts.set('trades', (this.channelCounts.get('trades') ?? 0) + 1);
      return true;
    };
  }
}
