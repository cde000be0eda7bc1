/**
 * OpenTelemetry spans for signals, from frame receipt to publish. The pipeline is
 * asynchronous (reorder and settle windows, a durable queue), so a span is opened when the
 * signal is published with its start back-dated to the first receipt of its earliest fill,
 * and ended when the sink acknowledges the record. The span's trace id travels in the
 * record's `trace-id` header, so a consumer can join its own trace. With no OpenTelemetry SDK
 * registered (tracing.exporter 'none') the API is a no-op and no header is set.
 */
import { SpanKind, isSpanContextValid } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { FifoMap } from '../core/index.js';
import type { Signal } from '../positions/index.js';
import { tracer } from '../obs/index.js';

/** Bound on spans waiting for an ack; beyond it the oldest are ended as unacknowledged. */
const MAX_OPEN_SPANS = 50_000;

export class SignalSpans {
  // Oldest-first at the bound: a plain Map's oldest is O(n) to find (core/fifo-map.ts).
  private readonly open = new FifoMap<string, Span>();

  /** Starts the span; returns the trace id for the record header, or undefined when tracing is off. */
  start(signal: Signal, firstReceiptMs: number): string | undefined {
    const span = tracer().startSpan('signal.publish', {
      kind: SpanKind.PRODUCER,
      startTime: firstReceiptMs,
      attributes: {
        'ingest.influencer': signal.influencerId,
        'ingest.market': signal.market,
        'ingest.action': signal.action,
        'ingest.signal_id': signal.signalId,
        'ingest.fills': signal.sourceEventIds.length,
        'messaging.destination.name': 'influencer_signals',
      },
    });
    const ctx = span.spanContext();
    if (!isSpanContextValid(ctx)) {
      span.end();
      return undefined;
    }
    if (this.open.size >= MAX_OPEN_SPANS) {
      const oldest = this.open.oldest();
      this.open.shift();
      oldest?.setAttribute('ingest.acknowledged', false);
      oldest?.end();
    }
    this.open.set(signal.signalId, span);
    return ctx.traceId;
  }

  /** The sink acknowledged these signals. */
  acknowledged(signalIds: readonly string[], atMs: number): void {
    for (const id of signalIds) {
      const span = this.open.get(id);
      if (!span) continue;
      span.end(atMs);
      this.open.delete(id);
    }
  }

  /** The sink refused this signal for good; it went to the dead-letter path instead. */
  deadLettered(signalId: string, atMs: number): void {
    const span = this.open.get(signalId);
    if (!span) return;
    span.setAttribute('ingest.acknowledged', false);
    span.setAttribute('ingest.dead_lettered', true);
    span.end(atMs);
    this.open.delete(signalId);
  }

  /** Ends every open span (shutdown). */
  endAll(): void {
    for (const [, span] of this.open) {
      span.setAttribute('ingest.acknowledged', false);
      span.end();
    }
    this.open.clear();
  }
}
