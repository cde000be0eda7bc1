/**
 * Single writer per (influencer, market): batches for one key are handed to the downstream
 * callback strictly one at a time and in order; a callback that returns a promise holds
 * that key's later batches until it settles, while other keys proceed. A synchronous
 * callback is called inline (no promise, no microtask), which keeps the hot path cheap.
 * A failing callback is reported and does not stop the key's later batches: the fan-in has
 * no way to redo downstream work, and positions run their own gap checks.
 */
export interface SerialWriterHooks<B> {
  readonly deliver: (batch: B) => void | Promise<void>;
  readonly onError: (batch: B, err: unknown) => void;
  readonly onIdle: () => void;
}

export class SerialWriter<B> {
  private readonly queue: B[] = [];
  private head = 0;
  private busy = false;

  constructor(private readonly hooks: SerialWriterHooks<B>) {}

  /** Batches waiting behind an in-flight delivery. */
  get backlog(): number {
    return this.queue.length - this.head;
  }

  get idle(): boolean {
    return !this.busy && this.backlog === 0;
  }

  write(batch: B): void {
    this.queue.push(batch);
    if (!this.busy) this.pump();
  }

  private pump(): void {
    while (!this.busy && this.head < this.queue.length) {
      const batch = this.queue[this.head] as B;
      this.queue[this.head++] = undefined as B;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      let r: void | Promise<void>;
      try {
        r = this.hooks.deliver(batch);
      } catch (err) {
        this.hooks.onError(batch, err);
        continue;
      }
      if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
        this.busy = true;
        (r as Promise<void>).then(
          () => this.settle(),
          (err: unknown) => {
            this.hooks.onError(batch, err);
            this.settle();
          },
        );
      }
    }
    if (!this.busy && this.head >= this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.hooks.onIdle();
    }
  }

  private settle(): void {
    this.busy = false;
    this.pump();
  }
}
