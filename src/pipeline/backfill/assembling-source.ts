/**
 * A RangeSource built from a connector: a fetcher turns a chunk into raw records (with a
 * deterministic receivedAtMs), and the connector's pure normalize plus the pipeline's Assembler
 * turn them into envelopes exactly as the live path does (same mapping, same event ids). A fresh
 * Validator per chunk keeps rolling statistics (outliers, divergence) a function of the chunk
 * alone, so a resumed chunk yields the same flags as the first attempt. Records the Assembler
 * quarantines are handed to `onQuarantine` (the CLI writes them to the quarantine log).
 */
import type { Connector, ConnectorManifest, RawRecord } from '../connectors/index.js';
import type { NormalizedEvent } from '../envelope/index.js';
import { Assembler } from '../process/index.js';
import type { QuarantineRecord } from '../quarantine/index.js';
import type { ValidatorSettings } from '../validation/index.js';
import { Validator } from '../validation/index.js';
import type { RangeChunk, RangeKind, RangeSource } from './range.js';

export type RawRangeFetcher = (chunk: RangeChunk, signal: AbortSignal) => Promise<readonly RawRecord[]>;

export interface AssemblingRangeSourceOptions {
  readonly kind: RangeKind;
  readonly connector: Connector;
  readonly manifest: ConnectorManifest;
  readonly validation: ValidatorSettings;
  readonly fetchRaw: RawRangeFetcher;
  readonly onQuarantine?: (q: QuarantineRecord, chunk: RangeChunk) => void;
}

export class AssemblingRangeSource implements RangeSource {
  readonly connectorId: string;
  readonly kind: RangeKind;

  constructor(private readonly o: AssemblingRangeSourceOptions) {
    this.connectorId = o.manifest.name;
    this.kind = o.kind;
  }

  async fetchChunk(chunk: RangeChunk, signal: AbortSignal): Promise<readonly NormalizedEvent[]> {
    const raws = await this.o.fetchRaw(chunk, signal);
    const assembler = new Assembler(this.o.connector, this.o.manifest, new Validator(this.o.validation));
    const out: NormalizedEvent[] = [];
    for (const raw of raws) {
      const a = assembler.assemble(raw, false);
      for (const e of a.events) out.push(e.event);
      for (const q of a.quarantined) this.o.onQuarantine?.(q, chunk);
    }
    return out;
  }
}
