/** HlWsConnection over a real `ws` server on 127.0.0.1:0 (real timers, short intervals). */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { must } from './must.js';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { EgressBudget, HlWsConnection } from '../../src/protocol/index.js';
import type { ConnectionEvents } from '../../src/protocol/index.js';

const USER = '0x31ca8395cf837de08b24da3f660e77761dfb974b';

function until(pred: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const iv = setInterval(() => {
      if (pred()) {
        clearInterval(iv);
        resolve();
      } else if (Date.now() - t0 > ms) {
        clearInterval(iv);
        reject(new Error('timed out waiting'));
      }
    }, 5);
  });
}

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
