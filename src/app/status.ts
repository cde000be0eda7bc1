/**
 * Implements the ops server's StatusProvider and ReadinessProvider from the running app.
 * /status shows each influencer's two listeners (kind, role, state, lag, last event,
 * failovers), coverage and this process's role (and listener group); /ready is true only when config is loaded, every sink is reachable
 * or its queue is spooling, and every tracked influencer has at least one live listener.
 */
import type { Clock } from '../core/index.js';
import type {
  Readiness,
  ReadinessCheck,
  ReadinessProvider,
  StatusProvider,
  StatusSnapshot,
} from '../obs/index.js';
import { readinessFromChecks } from '../obs/index.js';
import type { ListenerManager } from '../listeners/index.js';
import type { SinkSet } from './sinks.js';

/** What the reporter reads; the App satisfies it. */
export interface StatusSource {
  readonly manager: ListenerManager | null;
  readonly sinks: SinkSet | null;
  readonly signalCounts: ReadonlyMap<string, number>;
  /** The influencer source watcher: `ok`, `unavailable` (keeping the last good set) or `suspect`. */
  readonly watcher: { sourceState(): string } | null;
  readonly config: {
    readonly source: { readonly kind: string };
    readonly hyperliquid?: {
      readonly egressPools: readonly {
        readonly name: string;
        readonly localAddress?: string | undefined;
        readonly proxyUrl?: string | undefined;
      }[];
    };
  };
  /** Whether positions can be seeded (cursor store reachable); see App.cursorStoreState. */
  cursorStoreState?(): { ok: boolean; detail: string };
  /** Sink configuration errors (e.g. a topic Kafka refuses to create): not ready until fixed. */
  sinkConfigErrors?(): readonly string[];
  /** This process's part in distributed mode: role, and listener group of a `listeners` process. */
  readonly part?: { readonly role: string; readonly listenerGroup?: string };
  /** The hand-off adapters' status in a distributed process; undefined in role `all`. */
  handoffStatus?(): Readonly<Record<string, unknown>> | undefined;
}

export class StatusReporter implements StatusProvider, ReadinessProvider {
  constructor(private readonly o: { readonly app: StatusSource; readonly clock: Clock }) {}

  status(): StatusSnapshot {
    const handoff = this.o.app.handoffStatus?.();
    const egress = this.egress();
    return {
      ...this.snapshot(),
      ...(egress === undefined ? {} : { egress }),
      ...(handoff === undefined ? {} : { handoff }),
    };
  }

  /** Pool -> where its connections leave from; a proxy is shown by host:port only (no credentials). */
  private egress(): Record<string, string> | undefined {
    const pools = this.o.app.config.hyperliquid?.egressPools;
    if (!pools || pools.length === 0) return undefined;
    const out: Record<string, string> = {};
    for (const p of pools) {
      if (p.localAddress !== undefined) out[p.name] = p.localAddress;
      else if (p.proxyUrl !== undefined) {
        const u = new URL(p.proxyUrl);
        out[p.name] = `proxy ${u.host}`;
      } else out[p.name] = 'default route';
    }
    return out;
  }

  private snapshot(): StatusSnapshot {
    const { manager } = this.o.app;
    const now = this.o.clock.now();
    if (!manager) {
      return {
        generatedAt: now,
        coverage: { dual: 0, single: 0, dark: 0 },
        influencers: [],
        service: this.service(),
      };
    }
    const s = manager.status();
    const coverage = { dual: 0, single: 0, dark: 0 };
    for (const i of s.influencers) coverage[i.coverage]++;
    return {
      generatedAt: now,
      coverage,
      influencers: s.influencers.map((i) => ({
        influencer: i.influencer,
        address: i.address,
        coverage: i.coverage,
        failovers: i.failovers,
        lastFailoverReason: i.lastFailoverReason,
        listeners: i.listeners.map((l) => ({
          id: l.id,
          kind: l.kind,
          role: l.role,
          state: l.degradedReason ? `${l.state} (${l.degradedReason})` : l.state,
          healthy: l.healthy,
          lagMs: l.lagMs,
          lastEventAt: l.lastEventAt,
          pool: l.pool,
        })),
      })),
      service: this.service(),
    };
  }

  async readiness(): Promise<Readiness> {
    const { manager, sinks } = this.o.app;
    const checks: ReadinessCheck[] = [{ name: 'config', ok: true }];
    if (!sinks) {
      checks.push({ name: 'sinks', ok: false, detail: 'starting' });
    } else {
      const queues = { signals: sinks.signals, raw: sinks.raw, dlq: sinks.deadLetterQueue };
      const results = await Promise.all(
        sinks.probes.map(async (p, i) => {
          const reachable = await p.probe.ping().catch(() => false);
          // Ready means records can leave memory: the sink takes them, or the spool does.
          const h = Object.values(queues)[i]?.health();
          const delivering = reachable && (h?.canDeliver ?? true);
          const spooling = h?.mode === 'spill' && h.canSpool;
          const why = h?.detail ?? (reachable ? 'not delivering' : 'unreachable and not spooling');
          return { name: p.name, ok: delivering || spooling, delivering, spooling, why };
        }),
      );
      const bad = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.why}`);
      const spooling = results.filter((r) => !r.delivering && r.spooling).map((r) => `${r.name} spooling`);
      checks.push({
        name: 'sinks',
        ok: bad.length === 0,
        ...(bad.length + spooling.length > 0 ? { detail: [...bad, ...spooling].join('; ') } : {}),
      });
    }
    if (this.o.app.part?.role === 'processor') {
      // Its listeners run in the listener processes; their coverage is theirs to report.
      checks.push({ name: 'listeners', ok: true, detail: 'none in a processor' });
    } else if (!manager) {
      checks.push({ name: 'listeners', ok: false, detail: 'starting' });
    } else {
      const s = manager.status();
      const dark = s.influencers.filter((i) => i.coverage === 'dark').map((i) => i.influencer);
      checks.push({
        name: 'listeners',
        ok: dark.length === 0,
        detail:
          dark.length === 0
            ? `${s.influencers.length} influencers covered`
            : `no live listener for ${dark.length}: ${dark.slice(0, 10).join(', ')}`,
      });
    }
    const cursors = this.o.app.cursorStoreState?.();
    if (cursors) checks.push({ name: 'cursors', ...cursors });
    const configErrors = this.o.app.sinkConfigErrors?.() ?? [];
    if (configErrors.length > 0)
      checks.push({ name: 'sink-config', ok: false, detail: configErrors.join('; ') });
    return readinessFromChecks(checks);
  }

  private service(): Record<string, string | number> {
    const signals = [...this.o.app.signalCounts.values()].reduce((a, b) => a + b, 0);
    const part = this.o.app.part;
    return {
      ...(part ? { role: part.role } : {}),
      ...(part?.listenerGroup === undefined ? {} : { listenerGroup: part.listenerGroup }),
      source: this.o.app.config.source.kind,
      signals,
      influencerSource: this.o.app.watcher?.sourceState() ?? 'starting',
    };
  }
}
