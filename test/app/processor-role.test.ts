/**
 * The two tiers of distributed mode in one test process, joined by the hand-off seam
 * (AppOptions.handoff): a `listeners` App (group A) publishes into an in-process hand-off,
 * and a `processor` App consumes it through a source the test wraps, so each delivery's ack()
 * is observed. The processor must derive signals whose final positions match the simulator,
 * and must ack a delivery only once every signal derived from its fills is in the signal
 * sink's log (the local sink acknowledges a record once it is written there).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { dec, silentLogger } from '../../src/core/index.js';
import type { HandoffSource } from '../../src/handoff/index.js';
import { createInProcessHandoff } from '../../src/handoff/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { readNdjson, until } from '../kit/index.js';

const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });

function configFor(dir: string, sim: Simulator, role: 'listeners' | 'processor') {
  return parseServiceConfig({
    source: { kind: 'hyperliquid' },
    hyperliquid: {
      network: 'custom',
      wsUrl: sim.wsUrl,
      infoUrl: sim.infoUrl,
      heartbeat: { pingIntervalMs: 5000, pongTimeoutMs: 2000 },
    },
    influencers: { source: 'file', file: join(dir, '..', 'influencers.yaml') },
    positions: { marketClasses: ['perp', 'hip3', 'spot', 'outcome'], cursorStore: 'memory' },
    sinks: { local: { dir: join(dir, 'out') }, spool: { dir: join(dir, 'spool') } },
    http: { port: 0 },
    distributed: { role, listenerGroup: 'A' },
  });
}

interface Acked {
  readonly eventIds: readonly string[];
  /** Signal ids in the sink's log when ack() was called. */
  readonly logged: ReadonlySet<string>;
}

function loggedSignals(dir: string): {
  id: string;
  value: { sourceEventIds: string[]; influencerId: string; market: string; position: string };
}[] {
  return readNdjson(join(dir, 'out', 'signals.ndjson'));
}

describe('App roles joined by the hand-off seam', () => {
  let root = '';
  let sim: Simulator | null = null;
  const apps: App[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close(5000);
    await sim?.close();
    sim = null;
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('a processor fed by the hand-off derives the signals and acks a delivery only after its signals are acknowledged', async () => {
    root = mkdtempSync(join(tmpdir(), 'ingest-roles-'));
    sim = await startSimulator({ seed: 5, accounts: 3, tickMs: 40, port: 0 });
    writeFileSync(
      join(root, 'influencers.yaml'),
      sim.accounts.map((a, i) => `- id: inf-${i}\n  address: '${a}'\n`).join(''),
    );
    const procDir = join(root, 'processor');
    const handoff = createInProcessHandoff();
    const acked: Acked[] = [];
    let deliveries = 0;
    // The source the processor reads: the in-process one, with an ack the test observes.
    const source: HandoffSource = {
      start: (onDelivery) =>
        handoff.source.start((d) => {
          deliveries++;
          const eventIds = d.records.flatMap((r) =>
            r.kind === 'fills' ? r.fills.map((f) => f.eventId) : [],
          );
          onDelivery({
            records: d.records,
            ack: () => acked.push({ eventIds, logged: new Set(loggedSignals(procDir).map((s) => s.id)) }),
          });
        }),
      close: () => handoff.source.close(),
    };
    const processor = new App({ config: configFor(procDir, sim, 'processor'), logger, handoff: { source } });
    apps.push(processor);
    await processor.start();
    const listeners = new App({
      config: configFor(join(root, 'listeners'), sim, 'listeners'),
      logger,
      handoff: { sink: handoff.sink },
    });
    apps.push(listeners);
    await listeners.start();
    // Group A runs primaries only: one listener per influencer.
    expect(listeners.manager?.status().influencers.every((i) => i.listeners.length === 1)).toBe(true);
    expect(processor.manager).toBeNull();

    await until(() => loggedSignals(procDir).length >= 20 && acked.length >= 10, 30_000, 'signals and acks');
    const status = (await (await fetch(`${processor.httpUrl}/status.json`)).json()) as {
      service: Record<string, unknown>;
    };
    expect(status.service).toMatchObject({ role: 'processor' });
    const ready = (await (await fetch(`${processor.httpUrl}/ready`)).json()) as {
      checks: { name: string; ok: boolean }[];
    };
    expect(ready.checks.find((c) => c.name === 'listeners')).toMatchObject({ ok: true });
    const lStatus = (await (await fetch(`${listeners.httpUrl}/status.json`)).json()) as {
      service: Record<string, unknown>;
    };
    expect(lStatus.service).toMatchObject({ role: 'listeners', listenerGroup: 'A' });

    sim.pause();
    await until(
      () => acked.length === deliveries && processor.acks?.pending === 0,
      20_000,
      () => `every delivery acknowledged (${acked.length} of ${deliveries})`,
    );
    for (const a of apps.splice(0)) await a.close(5000);

    // Every ack came after the signals derived from its fills were in the sink's log.
    const signals = loggedSignals(procDir);
    expect(signals.length).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(0);
    expect(acked.length).toBeLessThanOrEqual(deliveries);
    const signalsOf = new Map<string, string[]>();
    for (const s of signals)
      for (const id of s.value.sourceEventIds) signalsOf.set(id, [...(signalsOf.get(id) ?? []), s.id]);
    let checked = 0;
    for (const a of acked) {
      for (const id of a.eventIds) {
        for (const signalId of signalsOf.get(id) ?? []) {
          expect(a.logged.has(signalId), `signal ${signalId} acknowledged before the ack`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);

    // And the signals are right: the last position per (influencer, market) is the ground truth.
    const last = new Map<string, string>();
    for (const s of signals) last.set(`${s.value.influencerId}|${s.value.market}`, s.value.position);
    let compared = 0;
    sim.accounts.forEach((address, i) => {
      const truth = sim?.groundTruth.positions(address);
      for (const [key, position] of last) {
        const [inf, market] = key.split('|') as [string, string];
        if (inf !== `inf-${i}`) continue;
        expect(dec(position).eq(dec(truth?.[market] ?? '0')), key).toBe(true);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(0);
  });
});
