/** bindSocketClass: the direct message path for `ws` sockets and the WHATWG path for the rest. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { bindSocketClass } from '../../src/protocol/ws/socket.js';
import type { SocketConstructor } from '../../src/protocol/ws/socket.js';

type Listener = (event: never) => void;

/** The WHATWG listener lists both fakes keep, keyed by event type. */
class Listeners extends Map<string, Listener[]> {
  add(type: string, fn: Listener): void {
    this.set(type, [...(this.get(type) ?? []), fn]);
  }
  remove(type: string, fn: Listener): void {
    this.set(
      type,
      (this.get(type) ?? []).filter((f) => f !== fn),
    );
  }
}

/** A WHATWG-only socket (like the FakeWebSocket of the connection tests): no `on`. */
class PlainSocket {
  readyState = 1;
  binaryType = 'blob';
  readonly whatwg = new Listeners();
  send(): void {}
  close(): void {}
  addEventListener(type: string, fn: Listener): void {
    this.whatwg.add(type, fn);
  }
  removeEventListener(type: string, fn: Listener): void {
    this.whatwg.remove(type, fn);
  }
}

/** A `ws`-shaped socket: EventEmitter `on`/`emit` next to the WHATWG listener layer. */
class EmitterSocket extends PlainSocket {
  private readonly emitter = new EventEmitter();
  on(event: string, fn: (...args: unknown[]) => void): this {
    this.emitter.on(event, fn);
    return this;
  }
  emit(event: string, ...args: unknown[]): boolean {
    return this.emitter.emit(event, ...args);
  }
}

const asCtor = (c: unknown): SocketConstructor => c as SocketConstructor;

describe('bindSocketClass', () => {
  it('delivers ws messages straight to the handler while reconnecting-websocket has it attached', () => {
    const got: unknown[] = [];
    const bound = bindSocketClass({}, asCtor(EmitterSocket), (d) => got.push(d));
    const sock = new bound.ctor('ws://x') as unknown as EmitterSocket;
    const rwsListener = (): void => void got.push('via whatwg');

    sock.emit('message', Buffer.from('before attach'), false);
    sock.addEventListener('message', rwsListener);
    sock.emit('message', Buffer.from('a'), false);
    sock.emit('message', Buffer.from('b'), false);
    // The WHATWG layer never saw rws's message listener: no double delivery.
    expect(sock.whatwg.get('message')).toBeUndefined();

    sock.removeEventListener('message', rwsListener);
    sock.emit('message', Buffer.from('after detach'), false);
    expect(got.map(String)).toEqual(['a', 'b']);
  });

  it('passes every other event type to the socket unchanged', () => {
    const bound = bindSocketClass({}, asCtor(EmitterSocket), () => undefined);
    const sock = new bound.ctor('ws://x') as unknown as EmitterSocket;
    const onOpen = (): void => undefined;
    sock.addEventListener('open', onOpen);
    expect(sock.whatwg.get('open')).toEqual([onOpen]);
    sock.removeEventListener('open', onOpen);
    expect(sock.whatwg.get('open')).toEqual([]);
  });

  it('keeps the WHATWG message path for sockets without `on`, and without a handler', () => {
    const direct: unknown[] = [];
    const plain = new (bindSocketClass({}, asCtor(PlainSocket), (d) => direct.push(d)).ctor)(
      'ws://x',
    ) as unknown as PlainSocket;
    const fn = (): void => undefined;
    plain.addEventListener('message', fn);
    expect(plain.whatwg.get('message')).toEqual([fn]);

    const noHandler = new (bindSocketClass({}, asCtor(EmitterSocket)).ctor)(
      'ws://x',
    ) as unknown as EmitterSocket;
    noHandler.addEventListener('message', fn);
    noHandler.emit('message', Buffer.from('x'), false);
    expect(noHandler.whatwg.get('message')).toEqual([fn]);
    expect(direct).toEqual([]);
  });

  it('remembers the newest socket', () => {
    const bound = bindSocketClass({}, asCtor(EmitterSocket), () => undefined);
    const a = new bound.ctor('ws://x');
    expect(bound.current()).toBe(a);
    const b = new bound.ctor('ws://x');
    expect(bound.current()).toBe(b);
  });
});
