/**
 * The HTTP control API under /_control, for tests and demos that drive the simulator from
 * outside the process: inject faults, step/pause/resume the market, read state and ground
 * truth. Bodies are validated; a bad one gets 400 with the reason.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorMessage, formatIssues } from '../core/index.js';
import { FaultCommand } from './faults.js';
import type { GroundTruth } from './ground-truth.js';
import type { Block } from './types.js';

/** What the control API needs from the simulator (a narrow port, so this file does not depend on it). */
export interface ControlTarget {
  state(): unknown;
  readonly groundTruth: Pick<GroundTruth, 'toJSON'>;
  readonly faults: { apply(command: FaultCommand): number };
  step(n: number): Block[];
  pause(): void;
  resume(): void;
  resetRateWindows(): void;
}

const StepBody = z.object({ n: z.number().int().min(1).max(10_000).default(1) }).strict();

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Handle a /_control request. `body` is the parsed JSON body (undefined for GET or empty). */
export function handleControl(
  sim: ControlTarget,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): void {
  const url = new URL(req.url ?? '/', 'http://sim');
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  try {
    switch (route) {
      case 'GET /_control/state':
        return sendJson(res, 200, sim.state());
      case 'GET /_control/ground-truth':
        return sendJson(res, 200, sim.groundTruth.toJSON(url.searchParams.get('user') ?? undefined));
      case 'POST /_control/faults': {
        const r = FaultCommand.safeParse(body ?? {});
        if (!r.success) return sendJson(res, 400, { error: formatIssues(r.error).join('; ') });
        return sendJson(res, 200, { touched: sim.faults.apply(r.data) });
      }
      case 'POST /_control/step': {
        const r = StepBody.safeParse(body ?? {});
        if (!r.success) return sendJson(res, 400, { error: formatIssues(r.error).join('; ') });
        const blocks = sim.step(r.data.n);
        return sendJson(res, 200, {
          blocks: blocks.map((b) => ({
            height: b.height,
            time: b.time,
            fills: b.fills.length,
            trades: b.trades.length,
          })),
        });
      }
      case 'POST /_control/pause':
        sim.pause();
        return sendJson(res, 200, { paused: true });
      case 'POST /_control/resume':
        sim.resume();
        return sendJson(res, 200, { paused: false });
      case 'POST /_control/reset-limits':
        sim.resetRateWindows();
        return sendJson(res, 200, { ok: true });
      default:
        return sendJson(res, 404, { error: `no control route ${route}` });
    }
  } catch (e) {
    return sendJson(res, 500, { error: errorMessage(e) });
  }
}
