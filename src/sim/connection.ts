/**
 * One client WebSocket as the server sees it: its subscriptions, its idle and `Expired`
 * timers, and its outbound path, where injected faults act (stall, latency, duplicate,
 * reorder, malformed frames). Fault mutations apply only to data frames, never to acks,
 * pongs or errors, so protocol handshakes stay predictable in tests.
 */
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../core/index.js';
import { CONTROL_CHANNELS, type Frame } from './frames.js';
import { malformFrame, type MalformKind } from './malform.js';
import type { NormalizedSub } from './subscriptions.js';

export interface ConnFaults {
  /** Epoch ms until which the connection is stalled (Infinity: until cleared), or null. */
  stalledUntil: number | null;
  latencyMs: number;
  /** The next N data frames are sent twice. */
  duplicate: number;
  /** The next N data frames are held and sent after the frame that follows them. */
  reorder: number;
  malform: { kind: MalformKind; count: number } | null;
}

export const noFaults = (): ConnFaults => ({
  stalledUntil: null,
  latencyMs: 0,
  duplicate: 0,
  reorder: 0,
  malform: null,
});

export interface ConnectionInfo {
  id: string;
  ip: string;
  openedAt: number;
  lastInboundAt: number;
  state: 'open' | 'stalled' | 'closed';
  subscriptions: NormalizedSub[];
  framesSent: number;
  framesDropped: number;
  /** Inbound messages not read because the connection was stalled (tests wait on this). */
  messagesIgnored: number;
  faults: ConnFaults;
}

/** A reordered frame is released after this long even if no other frame follows it. */
const REORDER_HOLD_MS = 1000;

export class SimConnection {
  readonly subs = new Map<string, NormalizedSub>();
  faults: ConnFaults = noFaults();
  lastInboundAt: number;
  readonly openedAt: number;
  private closed = false;
  private framesSent = 0;
  private framesDropped = 0;
  private messagesIgnored = 0;
  private idleTimer: TimerHandle | undefined;
  private expireTimer: TimerHandle | undefined;
  private readonly queue: { due: number; text: string }[] = [];
  private queueTimer: TimerHandle | undefined;
  private held: { texts: string[]; timer: TimerHandle } | undefined;

  constructor(
    readonly id: string,
    readonly ip: string,
    private readonly ws: WebSocket,
    private readonly clock: Clock,
    private readonly opts: { idleTimeoutMs: number; expireAfterMs: number },
  ) {
    this.openedAt = clock.now();
    this.lastInboundAt = this.openedAt;
    this.armIdle();
    if (opts.expireAfterMs > 0)
      this.expireTimer = clock.setTimeout(() => this.close(1000, 'Expired'), opts.expireAfterMs);
  }

  isOpen(): boolean {
    return !this.closed;
  }

  isStalled(): boolean {
    const u = this.faults.stalledUntil;
    if (u === null) return false;
    if (u > this.clock.now()) return true;
    this.faults.stalledUntil = null;
    return false;
  }

  /** An inbound message a stall made the server not read. */
  ignored(): void {
    this.messagesIgnored++;
  }

  /** Inbound traffic: resets the idle timer. */
  touch(): void {
    this.lastInboundAt = this.clock.now();
    this.armIdle();
  }

  /** `text`, when given, is JSON.stringify(frame) already made (a broadcast makes it once for all). */
  send(frame: Frame, text?: string): void {
    if (this.closed) return;
    if (this.isStalled()) {
      this.framesDropped++;
      return;
    }
    const isData = !CONTROL_CHANNELS.has(frame.channel);
    const f = this.faults;
    let out: string;
    if (isData && f.malform && f.malform.count > 0) {
      out = malformFrame(frame, f.malform.kind);
      if (--f.malform.count <= 0) f.malform = null;
    } else {
      out = text ?? JSON.stringify(frame);
    }
    const texts = [out];
    if (isData && f.duplicate > 0) {
      f.duplicate--;
      texts.push(out);
    }
    if (isData && f.reorder > 0 && !this.held) {
      f.reorder--;
      this.held = { texts, timer: this.clock.setTimeout(() => this.releaseHeld(), REORDER_HOLD_MS) };
      return;
    }
    for (const t of texts) this.enqueue(t);
    this.releaseHeld();
  }

  /** Sends raw text (in order with queued frames) or a binary frame: the hostile-input tests. */
  sendRaw(data: string | Uint8Array): void {
    if (this.closed) return;
    if (typeof data === 'string') return this.enqueue(data);
    this.framesSent++;
    this.ws.send(data, { binary: true });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.flushTimers();
    this.closed = true;
    this.ws.close(code, reason);
  }

  /** Abrupt drop: the client sees 1006 (no close frame). */
  terminate(): void {
    if (this.closed) return;
    this.flushTimers();
    this.closed = true;
    this.ws.terminate();
  }

  /** Called when the socket closed by itself. */
  onClosed(): void {
    this.flushTimers();
    this.closed = true;
  }

  info(): ConnectionInfo {
    return {
      id: this.id,
      ip: this.ip,
      openedAt: this.openedAt,
      lastInboundAt: this.lastInboundAt,
      state: this.closed ? 'closed' : this.isStalled() ? 'stalled' : 'open',
      subscriptions: [...this.subs.values()],
      framesSent: this.framesSent,
      framesDropped: this.framesDropped,
      messagesIgnored: this.messagesIgnored,
      faults: { ...this.faults, malform: this.faults.malform ? { ...this.faults.malform } : null },
    };
  }

  private releaseHeld(): void {
    const h = this.held;
    if (!h) return;
    this.held = undefined;
    h.timer.cancel();
    for (const t of h.texts) this.enqueue(t);
  }

  private enqueue(text: string): void {
    const latency = this.faults.latencyMs;
    if (latency <= 0 && this.queue.length === 0) return this.write(text);
    const last = this.queue[this.queue.length - 1];
    this.queue.push({ due: Math.max(this.clock.now() + latency, last?.due ?? 0), text });
    this.schedule();
  }

  private schedule(): void {
    if (this.queueTimer || this.queue.length === 0) return;
    const head = this.queue[0] as { due: number };
    this.queueTimer = this.clock.setTimeout(
      () => {
        this.queueTimer = undefined;
        const now = this.clock.now();
        while (this.queue.length && (this.queue[0] as { due: number }).due <= now) {
          this.write((this.queue.shift() as { text: string }).text);
        }
        this.schedule();
      },
      Math.max(0, head.due - this.clock.now()),
    );
  }

  private write(text: string): void {
    if (this.closed) return;
    this.framesSent++;
    this.ws.send(text);
  }

  private armIdle(): void {
    this.idleTimer?.cancel();
    if (this.opts.idleTimeoutMs <= 0 || this.closed) return;
    this.idleTimer = this.clock.setTimeout(() => {
      // A stalled (half-open) socket is not closed for idleness: that is the point of a stall.
      if (this.isStalled()) return this.armIdle();
      this.close(1000, 'Inactive');
    }, this.opts.idleTimeoutMs);
  }

  private flushTimers(): void {
    this.idleTimer?.cancel();
    this.expireTimer?.cancel();
    this.queueTimer?.cancel();
    this.held?.timer.cancel();
    this.held = undefined;
    this.queue.length = 0;
  }
}
