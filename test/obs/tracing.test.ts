import { describe, expect, it } from 'vitest';
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
});
