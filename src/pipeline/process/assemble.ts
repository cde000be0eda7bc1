/**
 * Raw record → envelopes or quarantine records, for one connector. Steps in order: normalize
 * (the connector), payload type declared, market mapped, payload encoded (schema), event id,
 * validation (time bounds, sanity, outliers, divergence), envelope encoded. Every failure
 * becomes a quarantine record carrying the raw bytes; nothing throws out of here.
 */
import { errorMessage, ValidationError } from '../../core/index.js';
import type { Connector, ConnectorManifest, NormalizedDraft, RawRecord } from '../connectors/index.js';
import type { NormalizedEvent } from '../envelope/index.js';
import {
  CONFIDENCE_MAX,
  defaultTraceId,
  encodeEnvelope,
  encodePayload,
  ENVELOPE_SCHEMA_VERSION,
  eventIdOf,
  partitionKeyOf,
  QUALITY_FLAGS,
  QUALITY_FLAGS_MASK,
} from '../envelope/index.js';
import { MarketMap } from '../mapping/index.js';
import type { QuarantineReason, QuarantineRecord } from '../quarantine/index.js';
import { quarantineFlags } from '../quarantine/index.js';
import type { Divergence, Validator } from '../validation/index.js';

export interface AssembledEvent {
  readonly event: NormalizedEvent;
  readonly bytes: Uint8Array;
  readonly divergence?: Divergence;
}

export interface Assembled {
  readonly events: AssembledEvent[];
  readonly quarantined: QuarantineRecord[];
}

const TRACE = /^[0-9a-f]{32}$/;

export class Assembler {
  private readonly markets: MarketMap;
  private readonly allowed: ReadonlySet<string>;

  constructor(
    readonly connector: Connector,
    readonly manifest: ConnectorManifest,
    private readonly validator: Validator,
  ) {
    this.markets = new MarketMap(manifest);
    this.allowed = new Set(manifest.payloadTypes);
  }

  /** `degraded`: the connector reports itself degraded; every event gets CONNECTOR_DEGRADED. */
  assemble(raw: RawRecord, degraded: boolean): Assembled {
    const out: Assembled = { events: [], quarantined: [] };
    let result;
    try {
      result = this.connector.normalize(raw);
    } catch (e) {
      out.quarantined.push(this.quarantine(raw, 'NORMALIZE_FAILED', errorMessage(e)));
      return out;
    }
    if (!result.ok) {
      out.quarantined.push(this.quarantine(raw, result.reason, result.detail));
      return out;
    }
    for (const d of result.drafts) this.one(raw, d, degraded, out);
    return out;
  }

  private one(raw: RawRecord, d: NormalizedDraft, degraded: boolean, out: Assembled): void {
    const known = { nativeMarket: d.nativeMarket, payloadType: d.payloadType, eventTimeMs: d.eventTimeMs };
    if (!this.allowed.has(d.payloadType)) {
      out.quarantined.push(
        this.quarantine(
          raw,
          'UNDECLARED_PAYLOAD_TYPE',
          `${d.payloadType} is not in connector.yaml payloadTypes`,
          known,
        ),
      );
      return;
    }
    const market = this.markets.map(d.nativeMarket);
    if (market === undefined) {
      out.quarantined.push(
        this.quarantine(
          raw,
          'UNMAPPED_MARKET',
          `native market "${d.nativeMarket}" is not in the mapping table`,
          known,
        ),
      );
      return;
    }
    const at = { ...known, marketId: market.marketId };
    const problem = draftProblem(d);
    if (problem !== undefined) {
      out.quarantined.push(this.quarantine(raw, 'SCHEMA_INVALID', problem, at));
      return;
    }
    let payload: Uint8Array;
    try {
      payload = encodePayload(d.payloadType, d.payload as never);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      out.quarantined.push(this.quarantine(raw, 'SCHEMA_INVALID', e.message, at));
      return;
    }
    const eventId = eventIdOf({
      sourceId: this.manifest.source.id,
      nativeId: d.nativeId,
      marketId: market.marketId,
      eventTimeMs: d.eventTimeMs,
      payloadType: d.payloadType,
      payload,
    });
    const verdict = this.validator.check(d, market.marketId, raw.receivedAtMs, market.bounds);
    if (!verdict.ok) {
      out.quarantined.push(
        this.quarantine(
          raw,
          verdict.reason,
          verdict.detail,
          { ...at, eventId },
          verdict.flags | (d.flags ?? 0),
        ),
      );
      return;
    }
    const event: NormalizedEvent = {
      schemaVersion: ENVELOPE_SCHEMA_VERSION,
      eventId,
      sourceId: this.manifest.source.id,
      sourceVersion: this.manifest.source.version,
      connectorId: this.manifest.name,
      connectorVersion: this.manifest.version,
      marketId: market.marketId,
      domain: market.domain,
      eventTimeMs: d.eventTimeMs,
      ingestTimeMs: raw.receivedAtMs,
      payloadType: d.payloadType,
      payload,
      qualityFlags: (d.flags ?? 0) | verdict.flags | (degraded ? QUALITY_FLAGS.CONNECTOR_DEGRADED : 0),
      partitionKey: partitionKeyOf(market.marketId, eventId, market.shards),
      traceId: raw.traceId !== undefined && TRACE.test(raw.traceId) ? raw.traceId : defaultTraceId(eventId),
      sourceSeq: d.sourceSeq,
      sourceUri: d.sourceUri ?? raw.sourceUri,
      confidence: d.confidence,
    };
    let bytes: Uint8Array;
    try {
      bytes = encodeEnvelope(event);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      out.quarantined.push(this.quarantine(raw, 'SCHEMA_INVALID', e.message, { ...at, eventId }));
      return;
    }
    out.events.push(
      verdict.divergence === undefined ? { event, bytes } : { event, bytes, divergence: verdict.divergence },
    );
  }

  private quarantine(
    raw: RawRecord,
    reason: QuarantineReason,
    detail: string,
    known: Partial<
      Pick<QuarantineRecord, 'nativeMarket' | 'marketId' | 'payloadType' | 'eventId' | 'eventTimeMs'>
    > = {},
    extraFlags = 0,
  ): QuarantineRecord {
    return {
      reason,
      detail,
      qualityFlags: quarantineFlags(reason, extraFlags),
      connectorId: this.manifest.name,
      connectorVersion: this.manifest.version,
      receivedAtMs: raw.receivedAtMs,
      ...(raw.sourceUri !== undefined ? { sourceUri: raw.sourceUri } : {}),
      ...known,
      rawBase64: Buffer.from(raw.bytes).toString('base64'),
    };
  }
}

/** Envelope-level facts a draft must get right (the payload's own fields are checked by the codec). */
function draftProblem(d: NormalizedDraft): string | undefined {
  if (!Number.isSafeInteger(d.eventTimeMs) || d.eventTimeMs < 0)
    return `eventTimeMs ${d.eventTimeMs} is not a non-negative integer`;
  if (
    d.confidence !== undefined &&
    (!Number.isInteger(d.confidence) || d.confidence < 0 || d.confidence > CONFIDENCE_MAX)
  ) {
    return `confidence ${d.confidence} outside 0..${CONFIDENCE_MAX}`;
  }
  if (d.flags !== undefined && (d.flags & ~QUALITY_FLAGS_MASK) !== 0)
    return `flags 0x${d.flags.toString(16)} has undefined bits`;
  if (d.sourceSeq !== undefined && (d.sourceSeq < 0n || d.sourceSeq >= 2n ** 64n))
    return `sourceSeq ${d.sourceSeq} is not a u64`;
  return undefined;
}
