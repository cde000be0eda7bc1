/**
 * Starts worker.ts. Built, it is worker.js beside this file. From source (tests, `tsx`), the
 * thread first registers tsx's loader: Node 20 does not apply `--import tsx` given in a
 * worker's execArgv to the worker's own entry module.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResourceLimits } from 'node:worker_threads';

/**
 * The sink thread's young generation, in MB: two 4 MB semi-spaces and a new large-object
 * space of the same size. Why not V8's default (16 MB semi-spaces): the thread's heap is small,
 * about 14 MB live, and V8 re-started incremental marking as soon as each mark-compact ended
 * (the trace: "Start (task): size/limit/slack 14MB / 37MB / 23MB"), because the old
 * generation's room was below what it keeps for a young generation that size. At 2 000
 * signals/s that was a mark-compact every 200 ms, pausing the thread up to 17 ms with a
 * produce response waiting in its socket: 70 in a 15 s bench run against 3 at this size
 * (scavenges of about 1 ms instead), and enqueue -> Kafka ack p99 17 ms against 10 ms.
 */
export const SINK_WORKER_YOUNG_GENERATION_MB = 12;

const resourceLimits: ResourceLimits = { maxYoungGenerationSizeMb: SINK_WORKER_YOUNG_GENERATION_MB };

export function startSinkWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { resourceLimits });
  // The ESM build of tsx's API (require.resolve would name its CommonJS twin).
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const tsxApi = pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}
