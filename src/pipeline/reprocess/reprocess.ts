/**
 * Reprocessing (254Carbon "reprocess_window", issue #15): rebuild silver from bronze for a
 * window [from, to) of received time. Bronze is replayed in arrival order from its start through
 * the window, through the same Assembler and ONE shared Validator as the live pipeline, so the
 * validation state (outlier statistics, divergence) at each record equals what the live run had
 * and a rebuilt event is byte-identical to the original; only events of records received inside
 * the window are written. The output log's append is idempotent by event_id, so reprocessing
 * into the live silver log adds nothing that is already there (and restores what is missing).
 */
import { AbortedError } from '../../core/index.js';
import type { Connector, ConnectorManifest } from '../connectors/index.js';
import type { AppendRequest, EventLog } from '../eventlog/index.js';
import { Assembler, BRONZE_PARTITION, decodeBronze, rawOfBronze } from '../process/index.js';
import type { ValidatorSettings } from '../validation/index.js';
import { Validator } from '../validation/index.js';

export const REPROCESS_STAGES = ['silver'] as const;
export type ReprocessStage = (typeof REPROCESS_STAGES)[number];

export interface ReprocessTarget {
  readonly connector: Connector;
  readonly manifest: ConnectorManifest;
}

export interface ReprocessOptions {
  readonly bronze: EventLog;
  /** Where rebuilt silver events are appended (the silver log itself, or a fresh one). */
  readonly output: EventLog;
  /** The connector that normalizes a bronze record of `connectorId`; undefined = not known here. */
  readonly connectorFor: (connectorId: string) => ReprocessTarget | undefined;
  readonly validation: ValidatorSettings;
  readonly from: number;
  readonly to: number;
  readonly stage: ReprocessStage;
  readonly pageRecords?: number;
  readonly signal?: AbortSignal;
}

export interface ReprocessResult {
  readonly stage: ReprocessStage;
  readonly from: number;
  readonly to: number;
  /** Bronze records read (warm-up included). */
  readonly bronzeRead: number;
  /** Bronze records received inside the window. */
  readonly rawInWindow: number;
  readonly events: number;
  readonly appended: number;
  readonly duplicates: number;
  readonly quarantined: number;
  /** Bronze records of connectors this run cannot build, by id (they are skipped). */
  readonly unknownConnectors: Readonly<Record<string, number>>;
}

export async function reprocess(o: ReprocessOptions): Promise<ReprocessResult> {
  const validator = new Validator(o.validation);
  const assemblers = new Map<string, Assembler | null>();
  const unknown: Record<string, number> = {};
  const page = o.pageRecords ?? 4096;
  let bronzeRead = 0;
  let rawInWindow = 0;
  let events = 0;
  let appended = 0;
  let duplicates = 0;
  let quarantined = 0;
  let out: AppendRequest[] = [];
  const drain = async (): Promise<void> => {
    if (out.length === 0) return;
    const res = await o.output.append(out);
    for (const r of res)
      if (r.duplicate) duplicates++;
      else appended++;
    out = [];
  };
  let offset = 0;
  for (;;) {
    if (o.signal?.aborted === true) throw new AbortedError('reprocess: aborted');
    const recs = await o.bronze.read(BRONZE_PARTITION, { fromOffset: offset, maxRecords: page });
    if (recs.length === 0) break;
    offset += recs.length;
    // A whole page past the window: nothing later can fall inside it (short of a clock jump back).
    if (recs.every((r) => r.timestampMs >= o.to)) break;
    for (const rec of recs) {
      bronzeRead++;
      const b = decodeBronze(rec.bytes);
      let a = assemblers.get(b.connectorId);
      if (a === undefined) {
        const t = o.connectorFor(b.connectorId);
        a = t === undefined ? null : new Assembler(t.connector, t.manifest, validator);
        assemblers.set(b.connectorId, a);
      }
      if (a === null) {
        unknown[b.connectorId] = (unknown[b.connectorId] ?? 0) + 1;
        continue;
      }
      // Records outside the window are assembled too: they advance the shared validation state
      // exactly as they did live (arrival order is not strictly received-time order).
      const got = a.assemble(rawOfBronze(b), b.degraded);
      if (b.receivedAtMs < o.from || b.receivedAtMs >= o.to) continue;
      rawInWindow++;
      quarantined += got.quarantined.length;
      for (const e of got.events) {
        events++;
        out.push({
          partition: e.event.partitionKey,
          eventId: e.event.eventId,
          timestampMs: e.event.eventTimeMs,
          bytes: e.bytes,
        });
      }
      if (out.length >= page) await drain();
    }
  }
  await drain();
  await o.output.flush();
  return {
    stage: o.stage,
    from: o.from,
    to: o.to,
    bronzeRead,
    rawInWindow,
    events,
    appended,
    duplicates,
    quarantined,
    unknownConnectors: unknown,
  };
}
