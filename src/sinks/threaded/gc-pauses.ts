/**
 * The sink thread's garbage-collection pauses, for the main thread's metrics. prom-client's
 * `nodejs_gc_duration_seconds` sees only the isolate it runs in (the main thread), and the sink
 * thread's pauses are on the Kafka ack path: with V8's default young generation that thread
 * ran a mark-compact every 200 ms at 2 000 signals/s, each holding produce responses up to
 * 17 ms (start-worker.ts), and nothing an SRE could scrape showed it. The thread observes its
 * own `gc` performance entries and sends them across in one message a second at most.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';

/** The `kind` label, as prom-client names the main thread's. */
export type GcKind = 'minor' | 'major' | 'incremental' | 'weakcb';

export interface GcPause {
  readonly kind: GcKind;
  readonly seconds: number;
}

/** How often a thread sends what it observed (nothing is sent while there was no GC). */
export const GC_REPORT_INTERVAL_MS = 1000;

export function gcKindOf(kind: number): GcKind | null {
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MINOR:
      return 'minor';
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return 'major';
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental';
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weakcb';
    default:
      return null;
  }
}

/**
 * Observes this thread's GC pauses and hands them to `report` in batches, every `intervalMs`.
 * Returns the stop function: it disconnects, stops the timer and reports what was left.
 */
export function watchGcPauses(
  report: (pauses: readonly GcPause[]) => void,
  intervalMs: number = GC_REPORT_INTERVAL_MS,
): () => void {
  let pending: GcPause[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    report(batch);
  };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // Node puts the GC's kind in `detail` (typed loosely on PerformanceEntry).
      const detail = (e as { readonly detail?: { readonly kind?: number } }).detail;
      const kind = gcKindOf(detail?.kind ?? -1);
      if (kind !== null) pending.push({ kind, seconds: e.duration / 1000 });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  // Never what keeps the thread alive.
  const timer = setInterval(flush, intervalMs);
  timer.unref();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    observer.disconnect();
    clearInterval(timer);
    flush();
  };
}
