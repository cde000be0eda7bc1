/**
 * POST /reprocess on the ops server: token auth like the other state-changing endpoints, a
 * clear 4xx naming the problem for a bad body, 501 when not wired, and the control's summary
 * on success.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics, ObsServer } from '../../src/obs/index.js';
import type { ReprocessControl, ReprocessRequest } from '../../src/obs/index.js';

const TOKEN = 'reprocess-test-token-0123456789';
const servers: ObsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(reprocess?: ReprocessControl, token: string | undefined = TOKEN): Promise<ObsServer> {
  const s = new ObsServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new Metrics({ collectDefaultMetrics: false }),
    ...(token !== undefined ? { token } : {}),
    ...(reprocess !== undefined ? { reprocess } : {}),
  });
  servers.push(s);
  await s.start();
  return s;
}

const post = (s: ObsServer, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${s.url}/reprocess`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body,
  });

describe('POST /reprocess', () => {
  it('runs the control with the window and answers its summary', async () => {
    const calls: ReprocessRequest[] = [];
    const s = await start({
      stages: ['silver'],
      reprocess: (r) => {
        calls.push(r);
        return Promise.resolve({ appended: 0, duplicates: 12 });
      },
    });
    const res = await post(s, JSON.stringify({ from: 1000, to: 2000, stage: 'silver' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      from: 1000,
      to: 2000,
      stage: 'silver',
      result: { appended: 0, duplicates: 12 },
    });
    expect(calls).toEqual([{ from: 1000, to: 2000, stage: 'silver' }]);
  });

  it('needs the token, POST and JSON, and names what is wrong with a bad window', async () => {
    const calls: ReprocessRequest[] = [];
    const s = await start({
      stages: ['silver'],
      reprocess: (r) => {
        calls.push(r);
        return Promise.resolve({});
      },
    });
    expect((await post(s, '{"from":1,"to":2}')).status).toBe(200); // the control is reachable
    expect(calls).toHaveLength(1);
    expect((await post(s, '{"from":1,"to":2}', { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await fetch(`${s.url}/reprocess`)).status).toBe(405);
    expect((await post(s, '{"from":1,"to":2}', { 'Content-Type': 'text/plain' })).status).toBe(415);
    const cases: [string, RegExp][] = [
      ['not json', /body is not JSON/],
      ['{"to":2}', /from must be ms since epoch/],
      ['{"from":5,"to":2}', /to must be after from/],
      ['{"from":1,"to":2,"stage":"gold"}', /stage must be one of silver/],
    ];
    for (const [body, message] of cases) {
      const res = await post(s, body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    expect(calls).toHaveLength(1);
  });

  it('answers 501 when this process cannot reprocess', async () => {
    const s = await start(undefined);
    const res = await post(s, '{"from":1,"to":2}');
    expect(res.status).toBe(501);
    expect(((await res.json()) as { error: string }).error).toMatch(/reprocessing not wired/);
  });
});
