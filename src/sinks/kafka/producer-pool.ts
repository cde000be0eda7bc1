/**
 * The idempotent producers of one topic, one per lane. kafkajs lets an idempotent producer have
 * ONE produce request per broker in flight (its EOS manager holds a per-broker lock around each
 * request, to keep sequence numbers in order). A batch goes out as one request per partition
 * (partition-sends.ts), so through one producer those requests queue behind each other: a batch
 * over 12 partitions cost 12 round trips to the same broker. Partition p is sent by the producer
 * of lane `p % lanes`, so with a lane per partition every request of a batch is in flight at once.
 * A partition always uses the same lane (while the partition count holds), so its sequence
 * numbers stay with one producer id: a re-sent batch is still recognised by the broker, and the
 * partition's records go out in order because sends are serialised above (TopicProducer).
 */
import type { KafkaClientFactory, ProducerLike } from './client.js';

export class ProducerPool {
  private readonly producers = new Map<number, ProducerLike>();
  private readonly connecting = new Map<number, Promise<ProducerLike>>();
  private closed = false;

  /** `lanes` null: a producer per partition. */
  constructor(
    private readonly factory: KafkaClientFactory,
    private readonly lanes: number | null,
  ) {}

  /** The lane that sends `partition`; lane 0 when the partition is not known. */
  laneOf(partition: number | null): number {
    if (partition === null) return 0;
    return this.lanes === null ? partition : partition % this.lanes;
  }

  /** Producers currently connected. */
  get size(): number {
    return this.producers.size;
  }

  /** The lane's producer, connected (at first use, or after drop()). */
  connected(lane: number): Promise<ProducerLike> {
    const ready = this.producers.get(lane);
    if (ready) return Promise.resolve(ready);
    let pending = this.connecting.get(lane);
    if (!pending) {
      pending = (async () => {
        const p = this.factory.producer();
        try {
          await p.connect();
          // close() came while connecting: nobody would disconnect this one.
          if (this.closed) throw new Error('producer pool closed');
        } catch (err) {
          await p.disconnect().catch(() => undefined);
          throw err;
        }
        this.producers.set(lane, p);
        return p;
      })().finally(() => this.connecting.delete(lane));
      this.connecting.set(lane, pending);
    }
    return pending;
  }

  /** Disconnect the lane's producer; the next send through the lane starts a fresh one. */
  async drop(lane: number, onError: (err: unknown) => void): Promise<void> {
    const p = this.producers.get(lane);
    this.producers.delete(lane);
    if (!p) return;
    try {
      await p.disconnect();
    } catch (err) {
      onError(err);
    }
  }

  /** Disconnect every producer; one still connecting is disconnected when it is up. */
  async close(onError: (err: unknown) => void): Promise<void> {
    this.closed = true;
    await Promise.all([...this.producers.keys()].map((lane) => this.drop(lane, onError)));
  }
}
