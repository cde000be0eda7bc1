import { context, trace } from '@opentelemetry/api';
import type { Span, SpanContext, SpanOptions, Tracer, TracerProvider } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { SignalSpans } from '../../src/app/signal-spans.js';
import type { Signal } from '../../src/positions/index.js';

/** A minimal recording tracer: enough to see start/end times, attributes and ids. */
interface Recorded {
  name: string;
  start: number;
  end: number | null;
  attrs: Record<string, unknown>;
}
function recordingProvider(spans: Recorded[]): TracerProvider {
  let n = 0;
  const tracer: Tracer = {
    startSpan(name: string, opts?: SpanOptions): Span {
      const rec: Recorded = {
        name,
        start: Number(opts?.startTime ?? 0),
        end: null,
        attrs: { ...(opts?.attributes ?? {}) },
      };
      spans.push(rec);
      n++;
      const ctx: SpanContext = {
        traceId: n.toString(16).padStart(32, 'a'),
        spanId: n.toString(16).padStart(16, 'b'),
        traceFlags: 1,
      };
      const span = {
        spanContext: () => ctx,
        setAttribute: (k: string, v: unknown) => ((rec.attrs[k] = v), span),
        end: (t?: number) => void (rec.end = Number(t ?? -1)),
      };
      return span as unknown as Span;
    },
    startActiveSpan: (() => undefined) as unknown as Tracer['startActiveSpan'],
  };
  return { getTracer: () => tracer };
}

const signal = {
  signalId: 's1',
  influencerId: 'inf',
  market: 'BTC',
  action: 'OPEN',
  sourceEventIds: ['a', 'b'],
} as Signal;

describe('SignalSpans', () => {
  afterEach(() => {
    trace.disable();
    context.disable();
  });

  it('sets no trace id when no tracer is registered (the default)', () => {
    expect(new SignalSpans().start(signal, 1000)).toBeUndefined();
  });

  it('spans from the first receipt to the sink ack, and returns the trace id for the header', () => {
    const spans: Recorded[] = [];
    trace.setGlobalTracerProvider(recordingProvider(spans));
    const s = new SignalSpans();
    const traceId = s.start(signal, 1000);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    s.acknowledged(['s1'], 1250);
    expect(spans).toEqual([
      {
        name: 'signal.publish',
        start: 1000,
        end: 1250,
        attrs: expect.objectContaining({ 'ingest.signal_id': 's1', 'ingest.fills': 2 }) as unknown,
      },
    ]);
  });

  it('ends the span of a dead-lettered signal, flagged, and only once', () => {
    const spans: Recorded[] = [];
    trace.setGlobalTracerProvider(recordingProvider(spans));
    const s = new SignalSpans();
    s.start(signal, 1000);
    s.deadLettered('s1', 1300);
    s.acknowledged(['s1'], 1400);
    expect(spans[0]?.end).toBe(1300);
    expect(spans[0]?.attrs).toMatchObject({ 'ingest.acknowledged': false, 'ingest.dead_lettered': true });
  });

  it('ends unacknowledged spans at shutdown, flagged', () => {
    const spans: Recorded[] = [];
    trace.setGlobalTracerProvider(recordingProvider(spans));
    const s = new SignalSpans();
    s.start(signal, 1000);
    s.endAll();
    expect(spans[0]?.attrs['ingest.acknowledged']).toBe(false);
    expect(spans[0]?.end).not.toBeNull();
  });
});
