import { ROOT_CONTEXT, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Span, SpanStatus, Tracer, TracerProvider } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/index.js';
import { initTracing, otlpTracesUrl, tracer, withSpan } from '../../src/obs/index.js';

describe('tracing', () => {
  it('withSpan returns the value and hands fn a (no-op) span when no SDK is registered', async () => {
    const result = await withSpan('fanin.accept', { influencer: 'alice' }, (span) => {
      span.setAttribute('market', 'BTC');
      return 42;
    });
    expect(result).toBe(42);
    expect(tracer()).toBeDefined();
  });

  it('withSpan rethrows what fn throws, sync or async', async () => {
    await expect(withSpan('x', {}, () => Promise.reject(new Error('async boom')))).rejects.toThrow(
      'async boom',
    );
    await expect(
      withSpan('x', {}, () => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
  });

  it("exporter 'none' is the default and a no-op", async () => {
    const handle = await initTracing();
    expect(handle.exporter).toBe('none');
    await handle.shutdown();
  });

  it("exporter 'otlp' without the SDK packages fails with a ConfigError that says what to install", async () => {
    const err: unknown = await initTracing({ exporter: 'otlp' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('@opentelemetry/sdk-node');
  });

  it('appends /v1/traces to a bare collector address only', () => {
    expect(otlpTracesUrl('http://otel-collector:4318')).toBe('http://otel-collector:4318/v1/traces');
    expect(otlpTracesUrl('https://c.example/custom/traces')).toBe('https://c.example/custom/traces');
  });

  describe('with a registered provider', () => {
    afterEach(() => trace.disable());

    it('names the span, sets attributes, marks errors and always ends it', async () => {
      const spans: {
        name: string;
        attrs: unknown;
        status?: SpanStatus;
        ended: boolean;
        exceptions: unknown[];
      }[] = [];
      const fakeTracer = {
        startActiveSpan(name: string, opts: { attributes?: unknown }, fn: (span: Span) => unknown) {
          const rec: (typeof spans)[number] = { name, attrs: opts.attributes, ended: false, exceptions: [] };
          spans.push(rec);
          const span = {
            setAttribute: () => span,
            recordException: (e: unknown) => void rec.exceptions.push(e),
            setStatus: (st: SpanStatus) => {
              rec.status = st;
              return span;
            },
            end: () => {
              rec.ended = true;
            },
          } as unknown as Span;
          return context.with(ROOT_CONTEXT, () => fn(span));
        },
      } as unknown as Tracer;
      const provider: TracerProvider = { getTracer: () => fakeTracer };
      trace.setGlobalTracerProvider(provider);

      expect(await withSpan('sink.kafka.publish', { sink: 'kafka' }, () => 'ok')).toBe('ok');
      await expect(withSpan('fanin.accept', {}, () => Promise.reject(new Error('nope')))).rejects.toThrow(
        'nope',
      );
      expect(spans.map((s) => [s.name, s.ended])).toEqual([
        ['sink.kafka.publish', true],
        ['fanin.accept', true],
      ]);
      expect(spans[0]?.attrs).toEqual({ sink: 'kafka' });
      expect(spans[0]?.status).toBeUndefined();
      expect(spans[1]?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'nope' });
      expect(spans[1]?.exceptions).toHaveLength(1);
    });
  });
});
