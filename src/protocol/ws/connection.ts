/**
 * HlWsConnection: the one WebSocket connection abstraction (docs/hyperliquid-protocol.md §1, §5.1).
 * reconnecting-websocket owns the socket lifecycle; this class wires the single-purpose parts
 * around it: frame parsing/dead letters (../frame-parser), heartbeat, stall watchdog,
 * reconnect policy (delay + new-connection budget wait run inside rws's URL provider, on our
 * clock), the subscription registry with resubscribe on every open paced by p-queue, loose ack
 * correlation and error-frame attribution. Every state change is a typed event for metrics.
 */
import PQueue from 'p-queue';
import rwsModule from 'reconnecting-websocket';
import type { Clock, DeadLetter, IngestError, Logger, TimerHandle } from '../../core/index.js';
import {
  AbortedError,
  SourceError,
  StateError,
  ValidationError,
  silentLogger,
  systemClock,
} from '../../core/index.js';
import type { EgressBudget } from '../egress-budget.js';
import { TypedEmitter } from '../../core/index.js';
import type { FrameMemo } from '../frame-memo.js';
import type { ParsedFrame } from '../frame-parser.js';
import { DEFAULT_MAX_FRAME_CHARS, FrameParser } from '../frame-parser.js';
import type { EchoedSubscription } from '../schemas/ws.js';
import { Subscription, ackMatches, normalizeSubscription, subscriptionKey, userOf } from '../subscription.js';
import { classifyServerError, serverErrorToSourceError } from './error-frames.js';
import type { ServerErrorKind } from './error-frames.js';
import type { HeartbeatOptions } from './heartbeat.js';
import { Heartbeat } from './heartbeat.js';
import type { ReconnectPolicyOptions, ReconnectReason } from './reconnect-policy.js';
import { ReconnectPolicy } from './reconnect-policy.js';
import type { SocketConstructor, SocketOptions } from './socket.js';
import { bindSocketClass } from './socket.js';
import { StallWatchdog } from './stall-watchdog.js';
import type { InFlight, RegistryEntry, Waiter } from './subscription-registry.js';
import { AckTracker, SubscriptionRegistry } from './subscription-registry.js';

interface RwsLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  reconnect(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
}
type RwsCtor = new (
  url: () => Promise<string>,
  protocols: string[] | undefined,
  options: Record<string, unknown>,
) => RwsLike;
// The package is CommonJS with an ESM-style `export default` in its typings: at runtime the
// default import is the class itself, for TypeScript it is the module object.
const ReconnectingWebSocket = ((rwsModule as unknown as { default?: unknown }).default ??
  rwsModule) as RwsCtor;

export const CONNECTION_STATES = ['idle', 'connecting', 'open', 'reconnecting', 'closed'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];
const TRANSITIONS: Record<ConnectionState, readonly ConnectionState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['open', 'reconnecting', 'closed'],
  open: ['reconnecting', 'closed'],
  reconnecting: ['connecting', 'closed'],
  closed: [],
};

export interface ConnectionEvents {
  state: { readonly from: ConnectionState; readonly to: ConnectionState };
  connecting: { readonly attempt: number };
  open: { readonly attempt: number; readonly handshakeMs: number };
  close: {
    readonly code: number;
    readonly reason: string;
    readonly openForMs: number;
    readonly cause: ReconnectReason | 'client';
  };
  reconnectScheduled: {
    readonly attempt: number;
    readonly delayMs: number;
    readonly reason: ReconnectReason;
  };
  pong: { readonly latencyMs: number };
  subscribed: { readonly key: string; readonly subscription: Subscription; readonly resubscribe: boolean };
  unsubscribed: { readonly key: string; readonly subscription: Subscription };
  frame: ParsedFrame & { readonly receivedAt: number };
  deadLetter: DeadLetter;
  /** Server error frames, typed; `key` names the subscription it was attributed to, if any. */
  serverError: { readonly error: SourceError; readonly kind: ServerErrorKind; readonly key: string | null };
  /** Connection-level problems (unattributable server errors, ack timeouts, budget waits). */
  error: { readonly error: IngestError };
  /**
   * A subscribe did not take: refused by the server or our budget (the entry is dropped), or
   * its ack timed out (a resubscribe stays registered, inactive). Also for resubscribes after a
   * reconnect, which no caller waits on. subscribe() again to retry.
   */
  subscribeFailed: { readonly key: string; readonly error: IngestError; readonly dropped: boolean };
}

export interface HlWsConnectionOptions extends SocketOptions {
  /** `wss://api.hyperliquid.xyz/ws` or a simulator URL. */
  readonly url: string;
  /** Stable id for logs, metrics and dead letters, e.g. `inf-42/primary#0`. */
  readonly id: string;
  /** The egress pool's shared budget. */
  readonly budget: EgressBudget;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Ping/pong keepalive; false disables it (tests only). Defaults 30 s / 10 s. */
  readonly heartbeat?: HeartbeatOptions | false;
  /** No inbound message for `timeoutMs` -> reconnect. Default 90 000 ms, pongs count. false disables. */
  readonly stall?: { readonly timeoutMs: number; readonly countPongs?: boolean } | false;
  readonly reconnect?: ReconnectPolicyOptions;
  /** Wait for a subscribe/unsubscribe ack. Default 10 000 ms. */
  readonly ackTimeoutMs?: number;
  /** Subscribe/unsubscribe messages per second from this connection (resubscribe pacing). Default 10. */
  readonly subscribeRatePerSec?: number;
  /** TCP+WS handshake deadline. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Socket implementation (tests pass a FakeWebSocket). Default: `ws`. */
  readonly WebSocket?: SocketConstructor;
  readonly maxDeadLetterPayload?: number;
  /**
   * Largest inbound frame in bytes: ws's maxPayload (refused while it arrives) and the parser's
   * size guard. Default DEFAULT_MAX_FRAME_CHARS (config hyperliquid.maxFrameBytes in the service).
   */
  readonly maxFrameBytes?: number;
  /**
   * Hot-path hook called with every raw inbound text before parsing; return true when it
   * consumed the frame (the trades fast path), false to continue with the normal parser.
   */
  readonly onRawFrame?: (text: string, receivedAt: number) => boolean;
  /** The process's shared frame memo (the other listener's copy of a frame is parsed once). */
  readonly frameMemo?: FrameMemo;
}

interface QueueItem {
  readonly method: 'subscribe' | 'unsubscribe';
  readonly key: string;
  readonly request: Subscription;
  readonly normalized: ReturnType<typeof normalizeSubscription>;
  readonly user: string | null;
  readonly waiters: Waiter[];
}

const PING = '{"method":"ping"}';
const OPEN = 1;

export class HlWsConnection {
  readonly id: string;
  private readonly opts: HlWsConnectionOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly budget: EgressBudget;
  private readonly events: TypedEmitter<ConnectionEvents>;
  private readonly parser: FrameParser;
  private readonly heartbeat: Heartbeat | null;
  private readonly watchdog: StallWatchdog | null;
  private readonly countPongs: boolean;
  private readonly policy: ReconnectPolicy;
  private readonly registry = new SubscriptionRegistry();
  private readonly acks = new AckTracker();
  private readonly ackTimeoutMs: number;
  private readonly gapMs: number;
  private _state: ConnectionState = 'idle';
  private rws: RwsLike | null = null;
  private readonly socketClass: ReturnType<typeof bindSocketClass>;
  private pendingReason: ReconnectReason = 'initial';
  private forcedReason: ReconnectReason | null = null;
  private attempt = 0;
  private connectStartedAt = 0;
  private openedAt: number | null = null;
  private queue: QueueItem[] = [];
  /** Paces outbound (un)subscribes: one per gapMs. A fresh one per open socket, so its first send is immediate. */
  private pacer: PQueue | null = null;
  /** The wait for the message budget to have room again (the pacer is paused meanwhile). */
  private pumpTimer: TimerHandle | null = null;
  private readonly sleepers = new Set<{ timer: TimerHandle; resolve: () => void }>();
  private closing: Promise<void> | null = null;

  constructor(options: HlWsConnectionOptions) {
    this.opts = options;
    this.id = options.id;
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).child({ component: 'hl-ws', connection: options.id });
    this.budget = options.budget;
    this.events = new TypedEmitter<ConnectionEvents>((err, event) =>
      this.log.error({ err, event }, 'connection event listener threw'),
    );
    this.parser = new FrameParser({
      listenerId: options.id,
      clock: this.clock,
      ...(options.maxDeadLetterPayload !== undefined
        ? { maxPayloadChars: options.maxDeadLetterPayload }
        : {}),
      ...(options.maxFrameBytes !== undefined ? { maxFrameChars: options.maxFrameBytes } : {}),
      onDeadLetter: (dl) => this.events.emit('deadLetter', dl),
      ...(options.frameMemo ? { memo: options.frameMemo } : {}),
    });
    this.heartbeat =
      options.heartbeat === false
        ? null
        : new Heartbeat(
            this.clock,
            () => this.sendPing(),
            (ms) => this.onPongTimeout(ms),
            options.heartbeat,
          );
    const stall = options.stall === false ? null : (options.stall ?? { timeoutMs: 90_000 });
    this.countPongs = stall?.countPongs ?? true;
    this.watchdog = stall ? new StallWatchdog(this.clock, stall.timeoutMs, (ms) => this.onStall(ms)) : null;
    this.policy = new ReconnectPolicy(options.reconnect);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.gapMs = 1000 / (options.subscribeRatePerSec ?? 10);
    this.socketClass = bindSocketClass(
      {
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        handshakeTimeout: options.connectTimeoutMs ?? 10_000,
        maxPayload: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_CHARS,
      },
      options.WebSocket,
      (data, isBinary) => this.onMessage(data, isBinary),
    );
  }

  get state(): ConnectionState {
    return this._state;
  }

  on<K extends keyof ConnectionEvents>(event: K, fn: (payload: ConnectionEvents[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  /** Registered subscriptions and whether each is acked on the current socket. */
  subscriptions(): { key: string; subscription: Subscription; active: boolean }[] {
    return this.registry.all().map((e) => ({ key: e.key, subscription: e.request, active: e.active }));
  }

  parserStats(): ReturnType<FrameParser['stats']> {
    return this.parser.stats();
  }

  /** Opens the connection (and keeps it open). Throws BudgetError when the pool's connection cap is reached. */
  start(): void {
    if (this._state !== 'idle') return;
    const c = this.budget.registerConnection(this.id);
    if (!c.ok) throw c.error;
    this.transition('connecting');
    this.rws = new ReconnectingWebSocket(() => this.nextUrl(), undefined, {
      WebSocket: this.socketClass.ctor,
      // Delays are ours (core backoff on the injected clock, in nextUrl); rws must not add any.
      minReconnectionDelay: 0,
      maxReconnectionDelay: 0,
      connectionTimeout: this.opts.connectTimeoutMs ?? 10_000,
      maxRetries: Infinity,
      maxEnqueuedMessages: 0,
    });
    this.rws.addEventListener('open', () => this.onOpen());
    // Real `ws` sockets deliver messages directly (bindSocketClass); this path serves the rest.
    this.rws.addEventListener('message', (ev: { data: unknown }) => this.onMessage(ev.data, undefined));
    this.rws.addEventListener('close', (ev: { code?: number; reason?: string }) =>
      this.onClose(ev.code ?? 1005, ev.reason ?? ''),
    );
    this.rws.addEventListener('error', (ev: { message?: string }) => this.onSocketError(ev.message));
  }

  /** Subscribe (idempotent per normalized subscription); resolves on the server's ack. */
  subscribe(subscription: Subscription): Promise<void> {
    if (this._state === 'closed') return Promise.reject(new AbortedError(`connection ${this.id} is closed`));
    const parsed = Subscription.safeParse(subscription);
    if (!parsed.success) {
      return Promise.reject(
        new ValidationError(
          `invalid subscription ${JSON.stringify(subscription)}`,
          parsed.error.issues.map((i) => i.message),
        ),
      );
    }
    let normalized: ReturnType<typeof normalizeSubscription>;
    try {
      normalized = normalizeSubscription(parsed.data);
    } catch (e) {
      return Promise.reject(e);
    }
    const key = subscriptionKey(parsed.data);
    const existing = this.registry.get(key);
    if (existing?.active) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (existing) {
        existing.waiters.push({ resolve, reject });
        // Registered but neither active nor on its way (a resubscribe whose ack timed out): send again.
        if (this._state === 'open' && !this.pendingSubscribe(key))
          this.enqueue({
            method: 'subscribe',
            key,
            request: existing.request,
            normalized,
            user: existing.user,
            waiters: [],
          });
        return;
      }
      const user = userOf(normalized);
      const c = this.budget.reserveSubscription(this.id, key, user);
      if (!c.ok) {
        this.events.emit('subscribeFailed', { key, error: c.error, dropped: true });
        return reject(c.error);
      }
      const entry: RegistryEntry = {
        key,
        request: parsed.data,
        normalized,
        user,
        active: false,
        everActive: false,
        waiters: [{ resolve, reject }],
      };
      this.registry.add(entry);
      if (this._state === 'open')
        this.enqueue({ method: 'subscribe', key, request: parsed.data, normalized, user, waiters: [] });
    });
  }

  /** Unsubscribe; resolves on the ack (or at once when not connected: the socket holds nothing). */
  unsubscribe(subscription: Subscription): Promise<void> {
    let key: string;
    try {
      key = subscriptionKey(subscription);
    } catch (e) {
      return Promise.reject(e);
    }
    const entry = this.registry.delete(key);
    if (!entry) return Promise.resolve();
    this.budget.releaseSubscription(this.id, key);
    this.queue = this.queue.filter((q) => !(q.key === key && q.method === 'subscribe'));
    for (const w of entry.waiters.splice(0)) w.reject(new AbortedError(`unsubscribed ${key} before its ack`));
    const wasSent = entry.active || this.acks.find('subscribe', (f) => f.key === key) !== undefined;
    if (this._state !== 'open' || !wasSent) {
      this.events.emit('unsubscribed', { key, subscription: entry.request });
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.enqueue({
        method: 'unsubscribe',
        key,
        request: entry.request,
        normalized: entry.normalized,
        user: entry.user,
        waiters: [{ resolve, reject }],
      });
    });
  }

  /** Drop the socket and reconnect (e.g. a listener saw no data for too long). */
  forceReconnect(reason: ReconnectReason = 'manual'): void {
    if (this._state !== 'open' && this._state !== 'connecting') return;
    this.forcedReason = reason;
    const sock = this.socketClass.current();
    if (sock?.terminate) sock.terminate();
    else this.rws?.reconnect(4000, reason);
  }

  /** Idempotent: stops timers, fails waiters with AbortedError, releases the budget, closes the socket. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = Promise.resolve().then(() => {
      if (this._state !== 'closed') this.transition('closed');
      this.stopTimers();
      for (const s of this.sleepers) {
        s.timer.cancel();
        s.resolve();
      }
      this.sleepers.clear();
      const aborted = new AbortedError(`connection ${this.id} closed`);
      for (const f of this.acks.drain()) for (const w of f.waiters) w.reject(aborted);
      for (const q of this.queue) for (const w of q.waiters) w.reject(aborted);
      this.queue = [];
      for (const e of this.registry.all()) for (const w of e.waiters.splice(0)) w.reject(aborted);
      this.budget.releaseConnection(this.id);
      this.rws?.close(1000, 'client close');
    });
    return this.closing;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  private transition(to: ConnectionState): void {
    const from = this._state;
    if (from === to) return;
    if (!TRANSITIONS[from].includes(to)) {
      throw new StateError(
        'STATE_ILLEGAL_TRANSITION',
        `connection ${this.id}: illegal transition ${from} -> ${to}`,
      );
    }
    this._state = to;
    this.events.emit('state', { from, to });
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const s = {
        timer: this.clock.setTimeout(() => {
          this.sleepers.delete(s);
          resolve();
        }, ms),
        resolve,
      };
      this.sleepers.add(s);
    });
  }

  /** rws URL provider: our backoff + the pool's new-connection budget. Never rejects (rws has no catch). */
  private async nextUrl(): Promise<string> {
    const reason = this.pendingReason;
    if (reason !== 'initial' && this._state !== 'closed') {
      const { attempt, delayMs } = this.policy.next(reason);
      this.events.emit('reconnectScheduled', { attempt, delayMs, reason });
      await this.sleep(delayMs);
    }
    while (this._state !== 'closed') {
      const c = this.budget.tryNewConnection();
      if (c.ok) break;
      // Wait for a slot instead of failing: the connection stays wanted.
      this.events.emit('reconnectScheduled', {
        attempt: this.attempt + 1,
        delayMs: c.retryAfterMs,
        reason: 'budget',
      });
      this.events.emit('error', { error: c.error });
      await this.sleep(c.retryAfterMs);
    }
    if (this._state !== 'closed') {
      if (this._state === 'reconnecting') this.transition('connecting');
      this.attempt++;
      this.connectStartedAt = this.clock.now();
      this.events.emit('connecting', { attempt: this.attempt });
    }
    return this.opts.url;
  }

  private onOpen(): void {
    if (this._state === 'closed') return;
    this.transition('open');
    this.openedAt = this.clock.now();
    this.forcedReason = null;
    this.events.emit('open', { attempt: this.attempt, handshakeMs: this.openedAt - this.connectStartedAt });
    this.heartbeat?.start();
    this.watchdog?.start();
    this.registry.markAllInactive();
    for (const e of this.registry.all()) {
      this.enqueue({
        method: 'subscribe',
        key: e.key,
        request: e.request,
        normalized: e.normalized,
        user: e.user,
        waiters: [],
      });
    }
  }

  private onClose(code: number, reason: string): void {
    const openForMs = this.openedAt === null ? 0 : this.clock.now() - this.openedAt;
    this.openedAt = null;
    this.stopTimers();
    const cause: ReconnectReason =
      this.forcedReason ?? (code === 1000 && reason === 'Expired' ? 'expired' : 'server_close');
    this.forcedReason = null;
    // In-flight requests died with the socket: subscribes stay registered (resent on open),
    // unsubscribes are done (the server dropped everything of this socket).
    for (const f of this.acks.drain()) {
      if (f.method === 'unsubscribe') for (const w of f.waiters) w.resolve();
    }
    for (const q of this.queue) if (q.method === 'unsubscribe') for (const w of q.waiters) w.resolve();
    this.queue = [];
    this.registry.markAllInactive();
    if (this._state === 'closed') {
      this.events.emit('close', { code, reason, openForMs, cause: 'client' });
      return;
    }
    this.policy.connectionEnded(openForMs);
    this.pendingReason = cause;
    this.events.emit('close', { code, reason, openForMs, cause });
    this.log.info({ code, reason, openForMs, cause }, 'websocket closed; reconnecting');
    this.transition('reconnecting');
  }

  private onSocketError(message: string | undefined): void {
    if (this._state === 'closed') return;
    // ws refused a frame over maxPayload while it arrived (and closes with 1009): nothing of
    // it was kept, but it is still a rejected frame and is counted and dead-lettered as one.
    if (message !== undefined && /max payload size exceeded/i.test(message)) {
      this.parser.reject(
        'oversized_frame',
        `frame exceeds ${this.opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_CHARS} bytes: refused while it arrived (${message})`,
        null,
        '',
      );
    }
    this.pendingReason = message === 'TIMEOUT' ? 'connect_timeout' : 'socket_error';
    this.log.warn({ message }, 'websocket error');
  }

  private onPongTimeout(waitedMs: number): void {
    this.log.warn({ waitedMs }, 'no pong: forcing reconnect (half-open socket)');
    this.forceReconnect('heartbeat_timeout');
  }

  private onStall(silentMs: number): void {
    this.log.warn({ silentMs }, 'no inbound message: forcing reconnect (stalled socket)');
    this.forceReconnect('stall');
  }

  private stopTimers(): void {
    this.heartbeat?.stop();
    this.watchdog?.stop();
    this.pumpTimer?.cancel();
    this.pumpTimer = null;
    // Tokens still queued in the old pacer are dropped with it (their items were cleared too).
    this.pacer?.clear();
    this.pacer?.pause();
    this.pacer = null;
  }

  // ---- outbound --------------------------------------------------------------------------

  private sendRaw(text: string): boolean {
    if (!this.rws || this.rws.readyState !== OPEN) return false;
    this.rws.send(text);
    return true;
  }

  private sendPing(): boolean {
    if (this._state !== 'open') return false;
    const c = this.budget.trySend();
    if (!c.ok) {
      this.log.warn({ retryAfterMs: c.retryAfterMs }, 'ping skipped: message budget exhausted');
      return false;
    }
    return this.sendRaw(PING);
  }

  private enqueue(item: QueueItem): void {
    this.queue.push(item);
    this.pace();
  }

  /**
   * One pacing token per queued item: p-queue lets one token through per gapMs and each token
   * sends the item at the head of `queue` (the items stay in our array so unsubscribe and
   * close can drop or inspect them by key, which p-queue's tasks cannot be).
   */
  private pace(priority = 0): void {
    if (this._state !== 'open') return;
    this.pacer ??= new PQueue({ concurrency: 1, intervalCap: 1, interval: this.gapMs });
    const pacer = this.pacer;
    void pacer.add(
      () => {
        if (this.pacer === pacer) this.pump();
      },
      { priority },
    );
  }

  /** Sends one queued subscribe/unsubscribe, paced and within the message budget. */
  private pump(): void {
    if (this._state !== 'open') return;
    let item = this.queue[0];
    // A subscribe whose entry was removed meanwhile is stale.
    while (item && item.method === 'subscribe' && !this.registry.has(item.key)) {
      this.queue.shift();
      item = this.queue[0];
    }
    if (!item) return;
    const c = this.budget.trySend();
    if (!c.ok) {
      this.events.emit('error', { error: c.error });
      // Hold the pacer until the budget has room; this item's token goes first when it resumes.
      const pacer = this.pacer;
      if (pacer && !this.pumpTimer) {
        pacer.pause();
        this.pumpTimer = this.clock.setTimeout(() => {
          this.pumpTimer = null;
          pacer.start();
        }, c.retryAfterMs);
      }
      this.pace(1);
      return;
    }
    this.queue.shift();
    if (!this.sendRaw(JSON.stringify({ method: item.method, subscription: item.normalized }))) return;
    const sentAt = this.clock.now();
    const f: InFlight = {
      key: item.key,
      method: item.method,
      normalized: item.normalized,
      user: item.user,
      sentAt,
      seq: this.acks.nextSeq(),
      timer: null,
      waiters: item.waiters,
    };
    f.timer = this.clock.setTimeout(() => this.onAckTimeout(f), this.ackTimeoutMs);
    this.acks.add(f);
  }

  // ---- inbound ---------------------------------------------------------------------------

  /** Hyperliquid sends text frames only: a binary one is dead-lettered with its bytes in base64. */
  private rejectBinary(data: unknown): void {
    const reject = (bytes: Buffer): void => {
      this.parser.reject(
        'binary_frame',
        `binary frame of ${bytes.length} bytes (payload: base64)`,
        null,
        bytes.toString('base64'),
      );
    };
    if (Buffer.isBuffer(data)) return reject(data);
    if (data instanceof ArrayBuffer) return reject(Buffer.from(data));
    if (ArrayBuffer.isView(data)) return reject(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    if (Array.isArray(data) && data.every((d) => Buffer.isBuffer(d))) return reject(Buffer.concat(data));
    if (data instanceof Blob) {
      data.arrayBuffer().then(
        (ab) => reject(Buffer.from(ab)),
        (err: unknown) => this.log.warn({ err }, 'could not read a binary frame'),
      );
      return;
    }
    this.parser.reject('binary_frame', `frame of type ${typeof data}`, null, String(data));
  }

  private onMessage(data: unknown, isBinary?: boolean): void {
    const receivedAt = this.clock.now();
    let text: string;
    if (typeof data === 'string') text = data;
    // ws's own 'message' says whether a frame was binary; through the WHATWG path (isBinary
    // undefined) a text frame is a string, so anything else is binary.
    else if (Buffer.isBuffer(data) && isBinary === false) text = data.toString('utf8');
    else {
      this.watchdog?.touch();
      this.rejectBinary(data);
      return;
    }
    if (this.opts.onRawFrame?.(text, receivedAt)) {
      this.watchdog?.touch();
      return;
    }
    const r = this.parser.parse(text);
    if (r.kind === 'deadLetter') {
      this.watchdog?.touch();
      return;
    }
    if (r.channel !== 'pong' || this.countPongs) this.watchdog?.touch();
    const frame = r.frame;
    switch (frame.channel) {
      case 'pong': {
        const latencyMs = this.heartbeat?.onPong();
        if (latencyMs !== null && latencyMs !== undefined) this.events.emit('pong', { latencyMs });
        return;
      }
      case 'subscriptionResponse':
        this.onAck(frame.data.method, frame.data.subscription);
        return;
      case 'error':
        this.onServerError(frame.data);
        return;
      default:
        this.events.emit('frame', { ...r, receivedAt });
    }
  }

  private onAck(method: 'subscribe' | 'unsubscribe', echo: EchoedSubscription): void {
    const f = this.acks.find(method, (x) => ackMatches(x.normalized as EchoedSubscription, echo));
    if (!f) {
      this.log.debug({ method, echo }, 'ack matched no pending request');
      return;
    }
    this.acks.remove(f);
    this.completeInFlight(f);
  }

  private completeInFlight(f: InFlight): void {
    if (f.method === 'unsubscribe') {
      for (const w of f.waiters) w.resolve();
      const sub = Subscription.safeParse(f.normalized);
      if (sub.success) this.events.emit('unsubscribed', { key: f.key, subscription: sub.data });
      return;
    }
    const entry = this.registry.get(f.key);
    if (!entry) return;
    const resubscribe = entry.everActive;
    entry.active = true;
    entry.everActive = true;
    for (const w of entry.waiters.splice(0)) w.resolve();
    this.events.emit('subscribed', { key: entry.key, subscription: entry.request, resubscribe });
  }

  private onAckTimeout(f: InFlight): void {
    this.acks.remove(f);
    const error = new SourceError(
      'SOURCE_SUBSCRIBE',
      `connection ${this.id}: no ack for ${f.method} ${f.key} within ${this.ackTimeoutMs} ms`,
      { retriable: true, context: { key: f.key, method: f.method, timeoutMs: this.ackTimeoutMs } },
    );
    if (f.method === 'unsubscribe') {
      for (const w of f.waiters) w.reject(error);
      return;
    }
    const entry = this.registry.get(f.key);
    const dropped = entry !== undefined && !entry.everActive;
    if (entry && dropped) this.dropEntry(entry, error);
    // A resubscribe stays registered (the server may hold it), but whoever waits is told now,
    // so waiters do not pile up across tries.
    else if (entry) for (const w of entry.waiters.splice(0)) w.reject(error);
    this.events.emit('error', { error });
    if (entry) this.events.emit('subscribeFailed', { key: f.key, error, dropped });
  }

  /** A subscribe of `key` is queued or waiting for its ack. */
  private pendingSubscribe(key: string): boolean {
    return (
      this.queue.some((q) => q.method === 'subscribe' && q.key === key) ||
      this.acks.find('subscribe', (f) => f.key === key) !== undefined
    );
  }

  private dropEntry(entry: RegistryEntry, error: unknown): void {
    this.registry.delete(entry.key);
    this.budget.releaseSubscription(this.id, entry.key);
    for (const w of entry.waiters.splice(0)) w.reject(error);
  }

  private onServerError(text: string): void {
    const c = classifyServerError(text);
    const echo = c.echo;
    const byEcho = (method: 'subscribe' | 'unsubscribe'): InFlight | undefined =>
      echo && typeof echo['type'] === 'string'
        ? this.acks.find(method, (x) =>
            ackMatches(x.normalized as EchoedSubscription, echo as EchoedSubscription),
          )
        : undefined;
    let target: InFlight | undefined;
    switch (c.kind) {
      case 'user_cap':
        // Echoes nothing (§1.4): the oldest in-flight user-specific subscribe is the best guess.
        target = this.acks.find('subscribe', (x) => x.user !== null);
        break;
      case 'subscription_cap':
        target = this.acks.find('subscribe', () => true);
        break;
      case 'already_subscribed':
        target = byEcho('subscribe');
        if (target) {
          // The server holds it: that is the state we asked for.
          this.acks.remove(target);
          this.completeInFlight(target);
          this.events.emit('serverError', {
            error: serverErrorToSourceError(c),
            kind: c.kind,
            key: target.key,
          });
          return;
        }
        break;
      case 'already_unsubscribed':
        target = byEcho('unsubscribe');
        if (target) {
          this.acks.remove(target);
          this.completeInFlight(target);
          return;
        }
        break;
      case 'invalid_subscription':
      case 'parse_error':
        target = byEcho('subscribe') ?? byEcho('unsubscribe');
        break;
      default:
        break;
    }
    const error = serverErrorToSourceError(
      c,
      target ? { key: target.key, connection: this.id } : { connection: this.id },
    );
    this.events.emit('serverError', { error, kind: c.kind, key: target?.key ?? null });
    if (!target) {
      this.log.warn({ serverText: c.text, kind: c.kind }, 'unattributed server error frame');
      this.events.emit('error', { error });
      return;
    }
    this.acks.remove(target);
    if (target.method === 'unsubscribe') {
      for (const w of target.waiters) w.reject(error);
      return;
    }
    const entry = this.registry.get(target.key);
    if (entry) {
      this.dropEntry(entry, error);
      this.events.emit('subscribeFailed', { key: target.key, error, dropped: true });
    }
  }
}
