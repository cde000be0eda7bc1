/**
 * FakeWebSocket for connection tests: the shape reconnecting-websocket and HlWsConnection use,
 * driven by hand (`open()`, `emit(frame)`, `drop(code, reason)`) and recording `sent`.
 */
type Fn = (ev: never) => void;

export class FakeWebSocket {
  static readonly CLOSING = 2;
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  readonly sent: string[] = [];
  terminated = false;
  private readonly listeners = new Map<string, Set<Fn>>();

  constructor(
    readonly url: string,
    _protocols?: unknown,
    readonly options?: Record<string, unknown>,
  ) {
    FakeWebSocket.instances.push(this);
  }

  static last(): FakeWebSocket {
    const ws = FakeWebSocket.instances.at(-1);
    if (!ws) throw new Error('no socket created');
    return ws;
  }

  addEventListener(type: string, fn: Fn): void {
    let s = this.listeners.get(type);
    if (!s) this.listeners.set(type, (s = new Set()));
    s.add(fn);
  }

  removeEventListener(type: string, fn: Fn): void {
    this.listeners.get(type)?.delete(fn);
  }

  private fire(type: string, ev: unknown): void {
    for (const fn of [...(this.listeners.get(type) ?? [])]) (fn as (e: unknown) => void)(ev);
  }

  open(): void {
    this.readyState = 1;
    this.fire('open', { type: 'open' });
  }

  emit(frame: unknown): void {
    this.fire('message', {
      type: 'message',
      data: typeof frame === 'string' ? frame : JSON.stringify(frame),
    });
  }

  drop(code = 1006, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.fire('close', { type: 'close', code, reason });
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code = 1000, reason = ''): void {
    this.drop(code, reason);
  }

  terminate(): void {
    this.terminated = true;
    this.drop(1006, '');
  }

  /** Parsed outbound messages. */
  messages(): { method: string; subscription?: Record<string, unknown> }[] {
    return this.sent.map((s) => JSON.parse(s) as { method: string; subscription?: Record<string, unknown> });
  }
}
