/**
 * Tracing through the OpenTelemetry API only. Without an SDK registered, every call here is
 * a cheap no-op, which is the default (`exporter: 'none'`): no SDK package is a dependency.
 * To export spans, add `@opentelemetry/sdk-node` and `@opentelemetry/exporter-trace-otlp-http`
 * to the image and set the exporter to `otlp`; `initTracing` then loads them at runtime.
 * Code that creates spans never changes: it always goes through `withSpan`.
 */
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { ConfigError, errorMessage, silentLogger } from '../core/index.js';
import type { Logger } from '../core/index.js';

export const TRACER_NAME = 'hl-influencer-ingest';

/** The service tracer; resolves to whatever provider is registered when a span starts. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Runs `fn` inside an active span named `name`; marks the span as an error and records the
 * exception when `fn` throws or rejects, and always ends it.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : new Error(errorMessage(err)));
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

export const TRACE_EXPORTERS = ['none', 'otlp'] as const;
export type TraceExporter = (typeof TRACE_EXPORTERS)[number];

export interface TracingOptions {
  /** `none` (default): API no-op. `otlp`: load the Node SDK with an OTLP/HTTP exporter. */
  readonly exporter?: TraceExporter;
  /** OTLP endpoint, e.g. `http://otel-collector:4318/v1/traces`; default the SDK's own default. */
  readonly endpoint?: string;
  readonly serviceName?: string;
  readonly logger?: Logger;
}

export interface TracingHandle {
  readonly exporter: TraceExporter;
  /** Flushes and stops the SDK; a no-op for `none`. Idempotent. */
  shutdown(): Promise<void>;
}

interface NodeSdkLike {
  start(): void;
  shutdown(): Promise<void>;
}

// Specifiers in variables so TypeScript does not require the optional packages to be installed.
const SDK_NODE = '@opentelemetry/sdk-node';
const OTLP_HTTP = '@opentelemetry/exporter-trace-otlp-http';

export async function initTracing(options: TracingOptions = {}): Promise<TracingHandle> {
  const exporter = options.exporter ?? 'none';
  const log = (options.logger ?? silentLogger).child({ component: 'obs.tracing' });
  if (exporter === 'none') {
    return { exporter, shutdown: () => Promise.resolve() };
  }
  let sdk: NodeSdkLike;
  try {
    const sdkMod = (await import(SDK_NODE)) as {
      NodeSDK: new (o: Record<string, unknown>) => NodeSdkLike;
    };
    const otlpMod = (await import(OTLP_HTTP)) as {
      OTLPTraceExporter: new (o: Record<string, unknown>) => unknown;
    };
    sdk = new sdkMod.NodeSDK({
      serviceName: options.serviceName ?? TRACER_NAME,
      traceExporter: new otlpMod.OTLPTraceExporter(
        options.endpoint === undefined ? {} : { url: otlpTracesUrl(options.endpoint) },
      ),
    });
  } catch (cause) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `tracing exporter 'otlp' needs ${SDK_NODE} and ${OTLP_HTTP} installed (${errorMessage(cause)}); ` +
        "install them or set the exporter to 'none'",
      { cause },
    );
  }
  sdk.start();
  log.info({ exporter, endpoint: options.endpoint }, 'tracing enabled');
  let stopped: Promise<void> | undefined;
  return { exporter, shutdown: () => (stopped ??= sdk.shutdown()) };
}

/**
 * The OTLP/HTTP exporter posts to its `url` as given, so a bare collector address
 * (`http://otel-collector:4318`, as in the config examples) needs the signal path appended.
 */
export function otlpTracesUrl(endpoint: string): string {
  const u = new URL(endpoint);
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/v1/traces';
  return u.toString();
}
