/**
 * Fault injection, driven by tests (`sim.faults`) or by the control API (`apply(command)`).
 * Connection faults target the connections that match a selector when called (all, by id,
 * by client IP, or by a user they subscribe to); info faults and connection refusal are
 * server-wide. Every method returns how many connections it touched.
 */
import { z } from 'zod';
import type { Clock } from '../core/index.js';
import { noFaults, type SimConnection } from './connection.js';
import { MALFORM_KINDS, type MalformKind } from './malform.js';
import { subUser } from './subscriptions.js';

export const ConnSelector = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z.object({ connId: z.string() }).strict(),
  z.object({ ip: z.string() }).strict(),
  z.object({ user: z.string() }).strict(),
]);
export type ConnSelector = z.infer<typeof ConnSelector>;

const Sel = ConnSelector.default({ all: true });
export const FaultCommand = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('drop'),
      selector: Sel,
      code: z.number().int().optional(),
      reason: z.string().optional(),
    })
    .strict(),
  z
    .object({ action: z.literal('stall'), selector: Sel, durationMs: z.number().positive().optional() })
    .strict(),
  z.object({ action: z.literal('unstall'), selector: Sel }).strict(),
  z.object({ action: z.literal('latency'), selector: Sel, ms: z.number().min(0) }).strict(),
  z
    .object({ action: z.literal('duplicate'), selector: Sel, count: z.number().int().positive().default(1) })
    .strict(),
  z
    .object({ action: z.literal('reorder'), selector: Sel, count: z.number().int().positive().default(1) })
    .strict(),
  z
    .object({
      action: z.literal('malform'),
      selector: Sel,
      kind: z.enum(MALFORM_KINDS),
      count: z.number().int().positive().default(1),
    })
    .strict(),
  z.object({ action: z.literal('clear'), selector: Sel }).strict(),
  z
    .object({
      action: z.literal('infoError'),
      status: z.number().int().min(400).max(599).default(500),
      count: z.number().int().positive().optional(),
      durationMs: z.number().positive().optional(),
    })
    .strict(),
  z.object({ action: z.literal('clearInfoErrors') }).strict(),
  z.object({ action: z.literal('refuseConnections'), durationMs: z.number().positive().optional() }).strict(),
  z.object({ action: z.literal('acceptConnections') }).strict(),
]);
export type FaultCommand = z.input<typeof FaultCommand>;

export interface InfoFault {
  status: number;
  /** Requests still to fail (Infinity when only a duration applies). */
  remaining: number;
  until: number;
}

/** The public fault-injection surface (`sim.faults`). */
export interface SimFaults {
  /** Drop connections: code 1006 (default) terminates the socket, any other code sends a close frame. */
  drop(selector?: ConnSelector, opts?: { code?: number; reason?: string }): number;
  /** Silent stall: the socket stays open, nothing is sent, pings go unanswered. */
  stall(selector?: ConnSelector, opts?: { durationMs?: number }): number;
  unstall(selector?: ConnSelector): number;
  /** Delay every outbound frame by `ms` (0 clears); order is preserved. */
  latency(selector: ConnSelector, ms: number): number;
  duplicate(selector?: ConnSelector, count?: number): number;
  /** Hold the next data frame and send it after the one that follows (count times). */
  reorder(selector?: ConnSelector, count?: number): number;
  malform(selector: ConnSelector, kind: MalformKind, count?: number): number;
  /** Send raw frames (text as is, bytes as a binary frame) on the selected connections now. */
  inject(selector: ConnSelector, frames: readonly (string | Uint8Array)[]): number;
  /** Clear every connection fault of the selected connections. */
  clear(selector?: ConnSelector): number;
  /** The next `count` info requests (or all within `durationMs`) answer `status` (default 500). */
  infoError(opts?: { status?: number; count?: number; durationMs?: number }): void;
  clearInfoErrors(): void;
  /** Refuse WS upgrades (HTTP 503) until cleared or for `durationMs`. */
  refuseConnections(opts?: { durationMs?: number }): void;
  acceptConnections(): void;
  /** Run a JSON command (the control API's body). */
  apply(command: FaultCommand): number;
}

export class FaultController implements SimFaults {
  info: InfoFault | null = null;
  refuseUntil: number | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly connections: () => Iterable<SimConnection>,
  ) {}

  select(sel: ConnSelector = { all: true }): SimConnection[] {
    const all = [...this.connections()].filter((c) => c.isOpen());
    if ('all' in sel) return all;
    if ('connId' in sel) return all.filter((c) => c.id === sel.connId);
    if ('ip' in sel) return all.filter((c) => c.ip === sel.ip);
    const u = sel.user.toLowerCase();
    return all.filter((c) => [...c.subs.values()].some((s) => subUser(s) === u));
  }

  private each(sel: ConnSelector | undefined, fn: (c: SimConnection) => void): number {
    const list = this.select(sel);
    list.forEach(fn);
    return list.length;
  }

  drop(selector?: ConnSelector, opts: { code?: number; reason?: string } = {}): number {
    const code = opts.code ?? 1006;
    return this.each(selector, (c) => (code === 1006 ? c.terminate() : c.close(code, opts.reason ?? '')));
  }

  stall(selector?: ConnSelector, opts: { durationMs?: number } = {}): number {
    const until = opts.durationMs !== undefined ? this.clock.now() + opts.durationMs : Infinity;
    return this.each(selector, (c) => (c.faults.stalledUntil = until));
  }

  unstall(selector?: ConnSelector): number {
    return this.each(selector, (c) => (c.faults.stalledUntil = null));
  }

  latency(selector: ConnSelector, ms: number): number {
    return this.each(selector, (c) => (c.faults.latencyMs = ms));
  }

  duplicate(selector?: ConnSelector, count = 1): number {
    return this.each(selector, (c) => (c.faults.duplicate += count));
  }

  reorder(selector?: ConnSelector, count = 1): number {
    return this.each(selector, (c) => (c.faults.reorder += count));
  }

  malform(selector: ConnSelector, kind: MalformKind, count = 1): number {
    return this.each(selector, (c) => (c.faults.malform = { kind, count }));
  }

  inject(selector: ConnSelector, frames: readonly (string | Uint8Array)[]): number {
    return this.each(selector, (c) => {
      for (const f of frames) c.sendRaw(f);
    });
  }

  clear(selector?: ConnSelector): number {
    return this.each(selector, (c) => (c.faults = noFaults()));
  }

  infoError(opts: { status?: number; count?: number; durationMs?: number } = {}): void {
    this.info = {
      status: opts.status ?? 500,
      remaining: opts.count ?? (opts.durationMs !== undefined ? Infinity : 1),
      until: opts.durationMs !== undefined ? this.clock.now() + opts.durationMs : Infinity,
    };
  }

  clearInfoErrors(): void {
    this.info = null;
  }

  /** The status an info request must fail with now, consuming one count; undefined to serve it. */
  takeInfoFault(): number | undefined {
    const f = this.info;
    if (!f) return undefined;
    if (f.remaining <= 0 || f.until <= this.clock.now()) {
      this.info = null;
      return undefined;
    }
    f.remaining--;
    return f.status;
  }

  refuseConnections(opts: { durationMs?: number } = {}): void {
    this.refuseUntil = opts.durationMs !== undefined ? this.clock.now() + opts.durationMs : Infinity;
  }

  acceptConnections(): void {
    this.refuseUntil = null;
  }

  refusing(): boolean {
    if (this.refuseUntil === null) return false;
    if (this.refuseUntil > this.clock.now()) return true;
    this.refuseUntil = null;
    return false;
  }

  apply(command: FaultCommand): number {
    const c = FaultCommand.parse(command);
    switch (c.action) {
      case 'drop':
        return this.drop(c.selector, {
          ...(c.code !== undefined ? { code: c.code } : {}),
          ...(c.reason !== undefined ? { reason: c.reason } : {}),
        });
      case 'stall':
        return this.stall(c.selector, c.durationMs !== undefined ? { durationMs: c.durationMs } : {});
      case 'unstall':
        return this.unstall(c.selector);
      case 'latency':
        return this.latency(c.selector, c.ms);
      case 'duplicate':
        return this.duplicate(c.selector, c.count);
      case 'reorder':
        return this.reorder(c.selector, c.count);
      case 'malform':
        return this.malform(c.selector, c.kind, c.count);
      case 'clear':
        return this.clear(c.selector);
      case 'infoError':
        this.infoError({
          status: c.status,
          ...(c.count !== undefined ? { count: c.count } : {}),
          ...(c.durationMs !== undefined ? { durationMs: c.durationMs } : {}),
        });
        return 0;
      case 'clearInfoErrors':
        this.clearInfoErrors();
        return 0;
      case 'refuseConnections':
        this.refuseConnections(c.durationMs !== undefined ? { durationMs: c.durationMs } : {});
        return 0;
      case 'acceptConnections':
        this.acceptConnections();
        return 0;
    }
  }
}
