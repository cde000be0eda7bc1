/**
 * The pipeline core (M0 §2): raw records from any connector are assembled at once (so the
 * validation state advances in arrival order, deterministically), buffered, and flushed in
 * batches: dedup → event log append (partitioned, idempotent) → dedup commit, and quarantine
 * records to the quarantine log partitioned by reason. Flushes run one at a time; `push`
 * returns the flush promise when the buffer is full, which is the connectors' backpressure.
 */
import { hash } from 'node:crypto';
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import { TypedEmitter } from '../../core/index.js';
import type { Connector, ConnectorManifest, RawRecord, RawSink } from '../connectors/index.js';
import { QUALITY_FLAGS } from '../envelope/index.js';
import type { Dedup } from '../dedup/index.js';
import type { AppendRequest, EventLog, WatermarkStore } from '../eventlog/index.js';
import type { QuarantineRecord } from '../quarantine/index.js';
import { encodeQuarantine } from '../quarantine/index.js';
import type { Validator } from '../validation/index.js';
import type { AssembledEvent } from './assemble.js';
import { bronzeRequest } from './bronze.js';
import { Assembler } from './assemble.js';
import type { PipelineEvents } from './events.js';

/** Flags of the anomaly (outliers vs rolling stats) and cross-source consistency stages (M0 §7). */
export const ANOMALY_FLAGS = QUALITY_FLAGS.OUTLIER_DETECTED | QUALITY_FLAGS.SOURCE_DIVERGENCE;

export interface PipelineOptions {
  readonly log: EventLog;
  readonly quarantine: EventLog;
  readonly dedup: Dedup;
  readonly validator: Validator;
  readonly batchRecords: number;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Flush a partial batch after this long (low-rate streams). */
  readonly flushIntervalMs: number;
  /** The bronze log: every raw record as received, written before its silver events (./bronze.ts). */
  readonly bronze?: EventLog;
  /**
   * The data-quality anomalies log (254Carbon `data.quality.anomalies.v1`): a copy of every
   * written event the anomaly or consistency stage flagged (ANOMALY_FLAGS), same id, bytes and
   * partition, so quality tooling reads anomalies without scanning silver. Silver keeps them too.
   */
  readonly anomalies?: EventLog;
  /**
   * Per-partition watermarks of the events log: observed per written event and persisted after
   * each batch. The one watermark state: the lag metric reads it, nothing keeps a copy.
   */
  readonly watermarks: WatermarkStore;
}

/** Running totals for the live summary and the bench. */
export interface PipelineTotals {
  raw: number;
  ingested: number;
  quarantined: number;
  duplicates: number;
}

interface Pending {
  readonly connectorId: string;
  readonly eventId: string;
  readonly a: AssembledEvent;
}

export class Pipeline {
  readonly events: TypedEmitter<PipelineEvents>;
  readonly totals: PipelineTotals = { raw: 0, ingested: 0, quarantined: 0, duplicates: 0 };
  private readonly log: Logger;
  private pending: Pending[] = [];
  private pendingQ: QuarantineRecord[] = [];
  private pendingB: AppendRequest[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: TimerHandle | null = null;

  constructor(private readonly o: PipelineOptions) {
    this.log = o.logger.child({ component: 'pipeline' });
    this.events = new TypedEmitter<PipelineEvents>(this.log);
  }

  /** Starts the partial-batch timer. */
  start(): void {
    this.timer ??= this.o.clock.setInterval(() => {
      if (this.pending.length + this.pendingQ.length + this.pendingB.length > 0)
        this.flush().catch((err: unknown) => this.log.error({ err }, 'pipeline flush failed'));
    }, this.o.flushIntervalMs);
  }

  /** A RawSink bound to one connector: what its subscribe() or the poll loop pushes into. */
  input(connector: Connector, manifest: ConnectorManifest): RawSink {
    const assembler = new Assembler(connector, manifest, this.o.validator);
    return {
      push: (raw) => this.push(assembler, raw),
      error: (error) => this.events.emit('connectorError', { connectorId: manifest.name, error }),
      catchUp: (report) => this.events.emit('catchUp', { connectorId: manifest.name, ...report }),
    };
  }

  private push(assembler: Assembler, raw: RawRecord): void | Promise<void> {
    this.totals.raw++;
    const degraded = assembler.connector.health().state === 'degraded';
    const { events, quarantined } = assembler.assemble(raw, degraded);
    const id = assembler.manifest.name;
    if (this.o.bronze !== undefined)
      this.pendingB.push(bronzeRequest(raw, id, assembler.manifest.version, degraded));
    for (const a of events) this.pending.push({ connectorId: id, eventId: a.event.eventId, a });
    for (const q of quarantined) this.pendingQ.push(q);
    const b = this.o.batchRecords;
    if (this.pending.length + this.pendingQ.length >= b || this.pendingB.length >= b) return this.flush();
  }

  /** Writes everything buffered so far; resolves when it is in the logs. */
  flush(): Promise<void> {
    const batch = this.pending;
    const qs = this.pendingQ;
    const bronze = this.pendingB;
    this.pending = [];
    this.pendingQ = [];
    this.pendingB = [];
    const run = this.chain.then(() => this.write(batch, qs, bronze));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(batch: Pending[], qs: QuarantineRecord[], bronze: AppendRequest[]): Promise<void> {
    // Bronze first: whatever reached silver can always be rebuilt from it.
    if (bronze.length > 0) await this.o.bronze?.append(bronze);
    if (qs.length > 0) await this.writeQuarantine(qs);
    if (batch.length === 0) return;
    const { fresh, duplicates } = await this.o.dedup.filter(batch);
    for (const d of duplicates) this.duplicate(d);
    const reqs: AppendRequest[] = fresh.map((p) => ({
      partition: p.a.event.partitionKey,
      eventId: p.a.event.eventId,
      timestampMs: p.a.event.eventTimeMs,
      bytes: p.a.bytes,
    }));
    let results;
    try {
      results = await this.o.log.append(reqs);
    } catch (e) {
      this.o.dedup.forget(reqs.map((r) => r.eventId));
      throw e;
    }
    const written: string[] = [];
    const anomalies: AppendRequest[] = [];
    const moved = new Set<string>();
    const wantIngested = this.events.has('ingested');
    results.forEach((r, i) => {
      const p = fresh[i] as Pending;
      if (r.duplicate) return this.duplicate(p);
      const e = p.a.event;
      written.push(e.eventId);
      this.totals.ingested++;
      const advanced = this.o.watermarks.observe({
        partition: r.partition,
        eventId: e.eventId,
        eventTimeMs: e.eventTimeMs,
        backfill: (e.qualityFlags & QUALITY_FLAGS.BACKFILL) !== 0,
      });
      if (advanced) moved.add(r.partition);
      if (this.o.anomalies !== undefined && (e.qualityFlags & ANOMALY_FLAGS) !== 0)
        anomalies.push(reqs[i] as AppendRequest);
      if (wantIngested) {
        this.events.emit('ingested', {
          connectorId: p.connectorId,
          payloadType: e.payloadType,
          partition: r.partition,
          eventTimeMs: e.eventTimeMs,
          lagMs: e.ingestTimeMs - e.eventTimeMs,
        });
      }
      if (p.a.divergence !== undefined)
        this.events.emit('divergence', { ...p.a.divergence, connectorId: p.connectorId, eventId: e.eventId });
      if (this.log.isLevelEnabled('debug')) {
        this.log.debug(
          {
            connector: e.connectorId,
            connectorVersion: e.connectorVersion,
            market: e.marketId,
            eventId: e.eventId,
            flags: e.qualityFlags,
            payloadType: e.payloadType,
          },
          'event ingested',
        );
      }
    });
    await this.o.dedup.commit(written);
    // After silver and the dedup commit: a failed copy loses no event (silver has it, flags
    // included, and the anomalies log is idempotent by event id, so re-deriving it adds nothing).
    if (anomalies.length > 0) await this.o.anomalies?.append(anomalies);
    // Persisted once the batch is in the log: a restart resumes from what was written, never beyond.
    this.o.watermarks.persist();
    for (const partition of moved) {
      const w = this.o.watermarks.get(partition);
      if (w !== undefined) this.events.emit('watermark', { partition, eventTimeMs: w.eventTimeMs });
    }
  }

  private duplicate(p: Pending): void {
    this.totals.duplicates++;
    const e = p.a.event;
    // A duplicate is dropped, not published; DUPLICATE_EVENT marks it in the event and the log line.
    const flags = e.qualityFlags | QUALITY_FLAGS.DUPLICATE_EVENT;
    this.events.emit('duplicate', {
      connectorId: p.connectorId,
      eventId: e.eventId,
      marketId: e.marketId,
      flags,
    });
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug(
        {
          connector: e.connectorId,
          connectorVersion: e.connectorVersion,
          market: e.marketId,
          eventId: e.eventId,
          flags,
        },
        'duplicate dropped',
      );
    }
  }

  private async writeQuarantine(qs: QuarantineRecord[]): Promise<void> {
    // Quarantine has no natural id; keying by content keeps a replay from doubling it.
    const reqs = qs.map((q) => {
      const bytes = encodeQuarantine(q);
      return { partition: q.reason, eventId: quarantineId(bytes), timestampMs: q.receivedAtMs, bytes };
    });
    await this.o.quarantine.append(reqs);
    for (const q of qs) {
      this.totals.quarantined++;
      this.events.emit('quarantined', {
        connectorId: q.connectorId,
        connectorVersion: q.connectorVersion,
        reason: q.reason,
        detail: q.detail,
        flags: q.qualityFlags,
        ...(q.marketId !== undefined ? { marketId: q.marketId } : {}),
        ...(q.eventId !== undefined ? { eventId: q.eventId } : {}),
      });
      this.log.warn(
        {
          connector: q.connectorId,
          connectorVersion: q.connectorVersion,
          market: q.marketId ?? q.nativeMarket,
          eventId: q.eventId,
          flags: q.qualityFlags,
          reason: q.reason,
          detail: q.detail,
        },
        'record quarantined',
      );
    }
  }

  /** Flushes what is buffered and stops the timer. Idempotent. */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    await this.flush();
  }
}

function quarantineId(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex');
}
