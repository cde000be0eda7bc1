/**
 * The one typed event emitter. Components expose their events through it so metrics and logs
 * can hang off them (style guide §12). A throwing listener must never break the pipeline, so
 * listener errors are caught and handed to the owner's handler (or logged). `has()` lets hot
 * paths skip building payloads nobody listens to.
 */
import type { Logger } from './logger.js';

export type Listener<T> = (payload: T) => void;
export type ListenerErrorHandler = (error: unknown, event: string) => void;

export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();
  private readonly onError: ListenerErrorHandler;

  /** `onError` receives listener errors; a Logger logs them as warnings instead. */
  constructor(onError?: ListenerErrorHandler | Pick<Logger, 'warn'>) {
    if (typeof onError === 'function') this.onError = onError;
    else if (onError) this.onError = (err, event) => onError.warn({ err, event }, 'event listener threw');
    else this.onError = () => undefined;
  }

  /** Subscribe; returns the unsubscribe function. */
  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(fn as Listener<never>);
    return () => this.off(event, fn);
  }

  off<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    set.delete(fn as Listener<never>);
    if (set.size === 0) this.listeners.delete(event);
  }

  has(event: keyof Events): boolean {
    return this.listeners.has(event);
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    // A copy: a listener may unsubscribe itself while we iterate.
    for (const fn of [...set]) {
      try {
        (fn as Listener<Events[K]>)(payload);
      } catch (err) {
        this.onError(err, String(event));
      }
    }
  }
}
