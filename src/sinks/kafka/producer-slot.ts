/**
 * The one idempotent producer of a topic: connected at first use, shared by callers that come
 * while it connects, and replaced after drop() (a fatal error; see fatal.ts). One producer id
 * carries every partition, so a batch re-sent after a failure is always recognised by the broker
 * (its sequence numbers are that producer's), whichever request carries it.
 */
import { connectOrDispose } from './client.js';
import type { KafkaClientFactory, ProducerLike } from './client.js';

export class ProducerSlot {
  private producer: ProducerLike | null = null;
  private connecting: Promise<ProducerLike> | null = null;
  private closed = false;

  constructor(private readonly factory: KafkaClientFactory) {}

  /** The producer, connected (at first use, or after drop()). */
  connected(): Promise<ProducerLike> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      // close() may come while connecting: nobody would disconnect that one.
      const p = await connectOrDispose(this.factory.producer(), () => !this.closed);
      this.producer = p;
      return p;
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  /** Disconnect the producer; the next send starts a fresh one (a new producer id). */
  async drop(onError: (err: unknown) => void): Promise<void> {
    const p = this.producer;
    this.producer = null;
    if (!p) return;
    try {
      await p.disconnect();
    } catch (err) {
      onError(err);
    }
  }

  /** Disconnect for good; one still connecting is disconnected when it is up. */
  async close(onError: (err: unknown) => void): Promise<void> {
    this.closed = true;
    await this.drop(onError);
  }
}
