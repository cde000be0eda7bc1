/** HlWsConnection over a real `ws` server on 127.0.0.1:0 (real timers, short intervals). */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { must } from './must.js';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { EgressBudget, HlWsConnection } from '../../src/protocol/index.js';
import type { ConnectionEvents } from '../../src/protocol/index.js';
import { until } from '../kit/index.js';

const USER = '0x31ca8395cf837de08b24da3f660e77761dfb974b';

describe('HlWsConnection over a real ws server', () => {
  let server: WebSocketServer | null = null;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('subscribes, receives frames, answers pings, and resubscribes after an Expired rotation', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const sockets: WebSocket[] = [];
    const received: string[] = [];
    server.on('connection', (s) => {
      sockets.push(s);
      s.on('message', (raw) => {
        const text = raw.toString();
        received.push(text);
        const msg = JSON.parse(text) as { method: string; subscription?: Record<string, unknown> };
        if (msg.method === 'ping') s.send('{"channel":"pong"}');
        if (msg.method === 'subscribe') {
          s.send(JSON.stringify({ channel: 'subscriptionResponse', data: msg }));
          s.send(
            JSON.stringify({
              channel: 'userFills',
              data: {
                isSnapshot: true,
                user: USER,
                fills: [
                  {
                    coin: 'BTC',
                    px: '1.0',
                    sz: '2',
                    side: 'B',
                    time: 1,
                    crossed: true,
                    fee: '0',
                    tid: 9,
                    oid: 1,
                  },
                ],
              },
            }),
          );
        }
      });
    });
    await new Promise<void>((r) => must(server).once('listening', () => r()));
    const port = (server.address() as AddressInfo).port;
    const conn = new HlWsConnection({
      url: `ws://127.0.0.1:${port}`,
      id: 'real',
      budget: new EgressBudget(),
      localAddress: '127.0.0.1',
      heartbeat: { intervalMs: 50, timeoutMs: 1000 },
      reconnect: { expiredDelayMs: 10 },
    });
    const frames: ConnectionEvents['frame'][] = [];
    const pongs: number[] = [];
    const closes: ConnectionEvents['close'][] = [];
    conn.on('frame', (f) => frames.push(f));
    conn.on('pong', (p) => pongs.push(p.latencyMs));
    conn.on('close', (c) => closes.push(c));
    conn.start();
    await conn.subscribe({ type: 'userFills', user: USER.toUpperCase().replace('0X', '0x') });
    await until(() => frames.length === 1 && pongs.length > 0);
    expect(frames[0]?.channel).toBe('userFills');
    must(sockets[0]).close(1000, 'Expired');
    await until(() => frames.length === 2);
    expect(closes[0]).toMatchObject({ code: 1000, reason: 'Expired', cause: 'expired' });
    expect(sockets.length).toBe(2);
    expect(received.filter((m) => m.includes('"subscribe"')).length).toBe(2);
    await conn.close();
    await until(() => sockets.every((s) => s.readyState === s.CLOSED));
  });
});

describe('HlWsConnection inbound memory and binary frames over a real ws server', () => {
  let server: WebSocketServer | null = null;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  async function serve(onConnection: (s: WebSocket) => void): Promise<number> {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', onConnection);
    await new Promise<void>((r) => must(server).once('listening', () => r()));
    return (server.address() as AddressInfo).port;
  }

  it('dead-letters a binary frame with its bytes in base64 and keeps the text frames around it', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x7b, 0x22, 0x63]);
    const port = await serve((s) => {
      s.send('{"channel":"pong"}');
      s.send(bytes, { binary: true });
      s.send('{"channel":"bogus"}');
    });
    const conn = new HlWsConnection({
      url: `ws://127.0.0.1:${port}`,
      id: 'bin',
      budget: new EgressBudget(),
      heartbeat: false,
      stall: false,
    });
    const dead: ConnectionEvents['deadLetter'][] = [];
    conn.on('deadLetter', (d) => dead.push(d));
    conn.start();
    await until(() => dead.length >= 2);
    await conn.close();
    expect(dead[0]).toMatchObject({ reason: 'binary_frame', payload: bytes.toString('base64') });
    expect(dead[0]?.detail).toContain('6 bytes');
    // The text frame after it is still parsed (and this one is refused for its own reason).
    expect(dead[1]?.reason).toBe('unknown_channel');
  });

  it('refuses a frame over maxFrameBytes while it arrives, dead-letters it, reconnects', async () => {
    let connections = 0;
    const port = await serve((s) => {
      connections++;
      if (connections === 1) s.send(`{"channel":"pong","pad":"${'x'.repeat(200_000)}"}`);
      else s.send('{"channel":"bogus"}');
    });
    const conn = new HlWsConnection({
      url: `ws://127.0.0.1:${port}`,
      id: 'big',
      budget: new EgressBudget(),
      heartbeat: false,
      stall: false,
      maxFrameBytes: 65_536,
      reconnect: {
        policy: { initialDelayMs: 10, maxDelayMs: 10, factor: 1, jitter: 0, maxAttempts: Infinity },
      },
    });
    const dead: ConnectionEvents['deadLetter'][] = [];
    const closes: ConnectionEvents['close'][] = [];
    conn.on('deadLetter', (d) => dead.push(d));
    conn.on('close', (c) => closes.push(c));
    conn.start();
    await until(() => dead.some((d) => d.reason === 'unknown_channel'));
    await conn.close();
    expect(dead[0]).toMatchObject({ reason: 'oversized_frame', payload: '' });
    expect(dead[0]?.detail).toContain('65536');
    // ws closed the socket itself (it sends 1009; the code seen here is the server's echo).
    expect(closes.length).toBeGreaterThanOrEqual(1);
    expect(connections).toBeGreaterThanOrEqual(2);
  });
});
