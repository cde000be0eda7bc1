/**
 * Runs connectors: a streaming connector's subscribe(), a polling connector's poll loop on its
 * schedule (batch/hybrid manifests), each under the manifest's retry policy, with errors and
 * poll latency reported as pipeline events. A disabled manifest is never built nor run; its
 * status says so. stop() aborts every loop and waits for them (idempotent).
 */
import type { Clock, Logger, RetryPolicy } from '../../core/index.js';
import { AbortedError, errorMessage, retry } from '../../core/index.js';
import type {
  Connector,
  ConnectorFactories,
  ConnectorHealth,
  ConnectorManifest,
  RawSink,
} from '../connectors/index.js';
import type { RegistryEntry } from '../connectors/index.js';
import type { Pipeline } from '../process/index.js';

export interface ConnectorStatus {
  readonly name: string;
  readonly version: string;
  readonly kind: string;
  readonly mode: string;
  readonly enabled: boolean;
  /** running | finished | failed | disabled | invalid | no-factory | not-selected */
  readonly run: string;
  readonly health: ConnectorHealth | null;
  readonly payloadTypes: readonly string[];
  readonly problems: readonly string[];
}

interface Running {
  readonly manifest: ConnectorManifest;
  readonly connector: Connector;
  run: 'running' | 'finished' | 'failed';
  error?: string;
  done: Promise<void>;
}

export class ConnectorRunner {
  private readonly running = new Map<string, Running>();
  private readonly abort = new AbortController();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly entries: readonly RegistryEntry[],
    private readonly factories: ConnectorFactories,
    private readonly selected: readonly string[],
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Sees each connector once built, before it runs: where the composition root wires its metrics. */
    private readonly onBuilt: (name: string, connector: Connector) => void = () => undefined,
  ) {}

  /** Builds and starts every runnable connector; returns their names. */
  start(): string[] {
    for (const e of this.entries) {
      if (this.skipReason(e) !== undefined) continue;
      const manifest = e.manifest as ConnectorManifest;
      const factory = this.factories[manifest.kind] as NonNullable<ConnectorFactories[string]>;
      const log = this.logger.child({
        component: 'pipeline.connector',
        connector: manifest.name,
        connectorVersion: manifest.version,
      });
      const connector = factory({ manifest, dir: e.dir, clock: this.clock, logger: log });
      if (connector.id !== manifest.name || connector.version !== manifest.version) {
        throw new Error(
          `connector ${manifest.name}: built as ${connector.id}@${connector.version}, manifest says ${manifest.name}@${manifest.version}`,
        );
      }
      this.onBuilt(manifest.name, connector);
      const r: Running = { manifest, connector, run: 'running', done: Promise.resolve() };
      r.done = this.loop(r, this.pipeline.input(connector, manifest), log);
      this.running.set(manifest.name, r);
      log.info({ mode: manifest.mode, kind: manifest.kind }, 'connector started');
    }
    return [...this.running.keys()];
  }

  /** Resolves when every connector finished on its own (fixtures end; streams usually do not). */
  finished(): Promise<void> {
    return Promise.all([...this.running.values()].map((r) => r.done)).then(() => undefined);
  }

  private skipReason(e: RegistryEntry): string | undefined {
    if (e.manifest === undefined) return 'invalid';
    if (!e.manifest.enabled) return 'disabled';
    if (this.selected.length > 0 && !this.selected.includes(e.name)) return 'not-selected';
    if (this.factories[e.manifest.kind] === undefined) return 'no-factory';
    return undefined;
  }

  private async loop(r: Running, sink: RawSink, log: Logger): Promise<void> {
    const m = r.manifest;
    const policy: RetryPolicy = { ...m.retries.backoff, maxAttempts: m.retries.maxAttempts };
    const signal = this.abort.signal;
    const onRetry = ({
      attempt,
      delayMs,
      error,
    }: {
      attempt: number;
      delayMs: number;
      error: unknown;
    }): void => {
      sink.error(error);
      log.warn({ attempt, delayMs, err: error }, 'connector failed; retrying');
    };
    try {
      if (r.connector.subscribe !== undefined && m.mode !== 'batch') {
        const subscribe = r.connector.subscribe.bind(r.connector);
        const polling =
          r.connector.poll !== undefined && m.mode === 'hybrid'
            ? this.pollLoop(r, sink, policy, onRetry)
            : undefined;
        await retry(() => subscribe(sink, signal), {
          policy,
          signal,
          clock: this.clock,
          label: `${m.name} subscribe`,
          onRetry,
        });
        await polling;
      } else if (r.connector.poll !== undefined) {
        await this.pollLoop(r, sink, policy, onRetry);
      } else {
        throw new Error(`connector ${m.name} (mode ${m.mode}) has neither subscribe nor poll`);
      }
      r.run = 'finished';
    } catch (e) {
      if (e instanceof AbortedError || signal.aborted) {
        r.run = 'finished';
        return;
      }
      r.run = 'failed';
      r.error = errorMessage(e);
      sink.error(e);
      log.error({ err: e }, 'connector failed for good');
    }
  }

  private async pollLoop(
    r: Running,
    sink: RawSink,
    policy: RetryPolicy,
    onRetry: (i: { attempt: number; delayMs: number; error: unknown }) => void,
  ): Promise<void> {
    const poll = (r.connector.poll as NonNullable<Connector['poll']>).bind(r.connector);
    const signal = this.abort.signal;
    const everyMs = r.manifest.schedule?.everyMs ?? 60_000;
    let cursor: string | null = null;
    while (!signal.aborted) {
      const started = this.clock.now();
      const res = await retry(() => poll(cursor, signal), {
        policy,
        signal,
        clock: this.clock,
        label: `${r.manifest.name} poll`,
        onRetry,
      });
      this.pipeline.events.emit('pollLatency', {
        connectorId: r.manifest.name,
        ms: this.clock.now() - started,
      });
      for (const raw of res.records) {
        const p = sink.push(raw);
        if (p !== undefined) await p;
      }
      cursor = res.cursor;
      if (res.caughtUp) await this.clock.sleep(everyMs, signal);
    }
  }

  status(): ConnectorStatus[] {
    return this.entries.map((e) => {
      const r = this.running.get(e.name);
      const m = e.manifest;
      return {
        name: e.name,
        version: m?.version ?? '?',
        kind: m?.kind ?? '?',
        mode: m?.mode ?? '?',
        enabled: m?.enabled ?? false,
        run: r?.run ?? this.skipReason(e) ?? 'not-started',
        health: r?.connector.health() ?? null,
        payloadTypes: m?.payloadTypes ?? [],
        problems: r?.error !== undefined ? [r.error] : e.problems,
      };
    });
  }

  /** Aborts every connector and waits for their loops. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      await this.finished();
    })();
    return this.stopping;
  }
}
