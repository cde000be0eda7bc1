/**
 * The socket seam. reconnecting-websocket constructs sockets itself (`new WebSocket(url)`), so
 * per-connection `ws` options (an http.Agent for an egress proxy, a `localAddress` for the
 * egress IP, handshake timeout) are bound into a subclass here, and the live instance is
 * tracked so the connection can `terminate()` a half-open socket instead of waiting ~30 s for
 * a close handshake that never comes. Tests substitute a FakeWebSocket with the same shape.
 */
import type { Agent } from 'node:http';
import { WebSocket as NodeWebSocket } from 'ws';

/** The slice of the WHATWG/ws socket API we and reconnecting-websocket use. */
export interface SocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate?(): void;
  addEventListener(type: string, listener: (event: never) => void): void;
  removeEventListener(type: string, listener: (event: never) => void): void;
}

export interface SocketOptions {
  /** http(s).Agent for an egress proxy (e.g. https-proxy-agent / socks-proxy-agent). */
  readonly agent?: Agent;
  /** Local address to bind (egress IP selection; loopback aliases in tests). */
  readonly localAddress?: string;
  /** ws handshake timeout in ms. */
  readonly handshakeTimeout?: number;
  /**
   * Largest inbound message ws accepts, in bytes (its default is 100 MiB). ws refuses a longer
   * one while it arrives, before buffering it, and closes the socket with 1009.
   */
  readonly maxPayload?: number;
}

export type SocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: Record<string, unknown>,
) => SocketLike;

export interface BoundSocketClass {
  readonly ctor: SocketConstructor & { readonly CLOSING: number };
  current(): SocketLike | null;
}

const noop = (): void => undefined;

/**
 * Inbound message straight from the socket: a Buffer and ws's isBinary flag, or a string
 * (WHATWG-shaped fakes, isBinary undefined).
 */
export type DirectMessageHandler = (data: unknown, isBinary?: boolean) => void;

/**
 * A constructor with our ws options bound; remembers the most recently created socket.
 *
 * With `onMessage`, a `ws` socket delivers messages straight from its EventEmitter to that
 * handler instead of through ws's WHATWG wrapper and reconnecting-websocket's dispatch: those
 * allocate a MessageEvent per frame and walk two listener lists, about a fifth of the cost of
 * a skipped `trades` frame. reconnecting-websocket still decides WHEN a socket delivers: its
 * add/removeEventListener('message') only flips `attached`, so a socket it has detached (being
 * replaced or closed) delivers nothing, exactly as before. Sockets without `on` (test fakes)
 * keep the WHATWG path.
 */
export function bindSocketClass(
  options: SocketOptions,
  base?: SocketConstructor,
  onMessage?: DirectMessageHandler,
): BoundSocketClass {
  const Base = base ?? (NodeWebSocket as unknown as SocketConstructor);
  const wsOptions: Record<string, unknown> = {};
  if (options.agent) wsOptions['agent'] = options.agent;
  if (options.localAddress) wsOptions['localAddress'] = options.localAddress;
  if (options.handshakeTimeout !== undefined) wsOptions['handshakeTimeout'] = options.handshakeTimeout;
  if (options.maxPayload !== undefined) wsOptions['maxPayload'] = options.maxPayload;
  let current: SocketLike | null = null;
  class Bound extends (Base as unknown as new (...args: unknown[]) => SocketLike) {
    static readonly CLOSING = 2;
    private readonly direct: boolean;
    private attached = false;
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols ?? [], wsOptions);
      const emitter = this as unknown as { on?: (ev: string, fn: (...args: never[]) => void) => void };
      const hasOn = typeof emitter.on === 'function';
      // reconnecting-websocket detaches its listeners before closing a socket; a later 'error'
      // from ws's EventEmitter with no listener would throw, so keep one no-op listener.
      if (hasOn) emitter.on?.('error', noop);
      if (hasOn) {
        // reconnecting-websocket sets binaryType 'blob', which makes ws hand binary frames over
        // as Blobs (only readable asynchronously, and dead-lettered as "[object Blob]" before).
        // Keep ws's Buffers: the bytes are dead-lettered base64-encoded, synchronously.
        Object.defineProperty(this, 'binaryType', {
          get: () => 'nodebuffer',
          set: noop,
          configurable: true,
        });
      }
      this.direct = hasOn && onMessage !== undefined;
      if (this.direct && onMessage) {
        emitter.on?.('message', (data: unknown, isBinary: boolean) => {
          if (this.attached) onMessage(data, isBinary);
        });
      }
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      current = this;
    }
    override addEventListener(type: string, listener: (event: never) => void): void {
      if (type === 'message' && this.direct) this.attached = true;
      else super.addEventListener(type, listener);
    }
    override removeEventListener(type: string, listener: (event: never) => void): void {
      if (type === 'message' && this.direct) this.attached = false;
      else super.removeEventListener(type, listener);
    }
  }
  return {
    ctor: Bound as unknown as SocketConstructor & { readonly CLOSING: number },
    current: () => current,
  };
}
