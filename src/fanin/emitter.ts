/**
 * A tiny typed event emitter for the fan-in components. Metrics and logs hang off these
 * events; a throwing listener must never break the pipeline, so listener errors are caught
 * and handed to `onListenerError` (the owner logs them). `has()` lets hot paths skip
 * building payloads nobody listens to.
 */
export type EventMap = Record<string, unknown>;
export type Listener<T> = (payload: T) => void;

export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Listener<never>[]>();

  constructor(private readonly onListenerError: (err: unknown, event: string) => void = () => undefined) {}

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as Listener<never>);
    this.listeners.set(event, list);
    return () => this.off(event, fn);
  }

  off<K extends keyof E>(event: K, fn: Listener<E[K]>): void {
    const list = this.listeners.get(event);
    if (!list) return;
    const i = list.indexOf(fn as Listener<never>);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
  }

  has(event: keyof E): boolean {
    return this.listeners.has(event);
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const fn of list.slice()) {
      try {
        (fn as Listener<E[K]>)(payload);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
  }
}
