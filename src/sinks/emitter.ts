/**
 * A tiny typed event emitter for the sinks: metrics and logs hang off these events. A listener
 * that throws must never break a sink's delivery loop, so listener errors are caught and
 * reported to the logger instead of propagating.
 */
import type { Logger } from '../core/index.js';

export type Listener<P> = (payload: P) => void;

export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly logger?: Logger) {}

  /** Subscribe; returns the unsubscribe function. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (err) {
        this.logger?.warn({ err, event: String(event) }, 'sink event listener threw');
      }
    }
  }
}

/** A set of promises resolved together: the pump and writer park on these. */
export class Notifier {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
