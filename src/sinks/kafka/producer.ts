/**
 * One idempotent producer for one topic, with the lifecycle kafkajs leaves to us: lazy
 * connect, optional topic creation, and recreation after a fatal error (see fatal.ts).
 * Sends are serialised (one batch in flight), acks are always -1 and messages carry only a
 * key, never a partition, so the default murmur2 partitioner keeps each key on one partition
 * and in order. A failed send rejects with a retriable SinkError; the DurableQueue in front
 * keeps the batch at its head and re-sends it first, so recreation never reorders. The one
 * exception is a batch holding a record Kafka will never take (over `maxMessageBytes`, or
 * refused by the broker as too large or invalid): that rejects with a non-retriable
 * SINK_RECORD_REJECTED, and the queue isolates the record instead of re-sending forever.
 * A batch goes out as one request per partition and what the broker took of a failed call is
 * not sent again (partition-sends.ts), so isolating a refused record writes nothing twice.
 */
import { SinkError, errorMessage, silentLogger } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import { TypedEmitter } from '../../core/index.js';
import type { AdminLike, KafkaClientFactory, KafkaMessageOut, ProducerLike } from './client.js';
import { isFatalProducerError, isRecordRejectedError, kafkaErrorType } from './fatal.js';
import { DEFAULT_MAX_MESSAGE_BYTES, messageBytes } from './size.js';
import { TakenMemory, groupByPartition } from './partition-sends.js';
import { topicCreationConfigError } from './topic-errors.js';

/** How long close() waits for a send in flight before it disconnects. */
const CLOSE_GRACE_MS = 1000;

export interface TopicCreation {
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

export interface TopicProducerOptions {
  readonly topic: string;
  readonly factory: KafkaClientFactory;
  /** Create the topic at first use when missing; false (default) = it must exist (or auto-create). */
  readonly createTopic?: TopicCreation | false;
  /**
   * A message larger than this (see size.ts) is refused before sending, as the broker would
   * refuse it. Keep it at or below the topic's `max.message.bytes`. Default 1 000 000.
   */
  readonly maxMessageBytes?: number;
  readonly logger?: Logger;
}

export interface TopicProducerEvents {
  sent: { readonly topic: string; readonly count: number };
  sendFailed: { readonly topic: string; readonly error: unknown; readonly fatal: boolean };
  producerRecreated: { readonly topic: string; readonly reason: string };
  topicCreated: { readonly topic: string; readonly numPartitions: number };
}

export class TopicProducer {
  readonly events: TypedEmitter<TopicProducerEvents>;
  private producer: ProducerLike | null = null;
  private connecting: Promise<ProducerLike> | null = null;
  private admin: AdminLike | null = null;
  private topicReady = false;
  private lock: Promise<void> = Promise.resolve();
  private closed: Promise<void> | null = null;
  private readonly logger: Logger;
  private readonly taken = new TakenMemory();
  /** The topic's partition count (null: unknown, send as one request); refreshed after a failure. */
  private partitions: number | null = null;
  private configProblem: string | null = null;

  constructor(private readonly options: TopicProducerOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'sink.kafka', topic: options.topic });
    this.events = new TypedEmitter(this.logger);
  }

  get topic(): string {
    return this.options.topic;
  }

  /** Send in order; resolves when the broker acknowledged every message (acks -1). */
  send(messages: KafkaMessageOut[]): Promise<void> {
    const run = this.lock.then(() => this.sendNow(messages));
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Reachability for /ready: a metadata round trip. Never throws. */
  async ping(): Promise<boolean> {
    try {
      const admin = await this.connectedAdmin();
      await admin.describeCluster();
      return true;
    } catch (err) {
      this.logger.debug({ err }, 'kafka ping failed');
      await this.dropAdmin();
      return false;
    }
  }

  /**
   * Waits briefly for a send in flight, then disconnects anyway: against a broker that is down
   * the send would hold shutdown for kafkajs's whole retry schedule, and the DurableQueue in
   * front has already spooled what was not acknowledged.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.lock,
        new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS))),
      ]);
      clearTimeout(timer);
      await this.dropProducer();
      await this.dropAdmin();
    })();
    return this.closed;
  }

  private async sendNow(messages: KafkaMessageOut[]): Promise<void> {
    if (this.closed) throw new SinkError('SINK_UNAVAILABLE', `producer for ${this.topic} is closed`);
    if (messages.length === 0) return;
    this.checkSizes(messages);
    let producer: ProducerLike;
    try {
      await this.ensureTopic();
      producer = await this.connected();
    } catch (cause) {
      if (cause instanceof SinkError && cause.code === 'SINK_CONFIG') throw cause;
      throw new SinkError('SINK_UNAVAILABLE', `kafka unreachable for ${this.topic}: ${errorMessage(cause)}`, {
        cause,
        retriable: true,
      });
    }
    try {
      await this.sendByPartition(producer, messages);
    } catch (cause) {
      this.partitions = null;
      const fatal = isFatalProducerError(cause);
      this.events.emit('sendFailed', { topic: this.topic, error: cause, fatal });
      if (isRecordRejectedError(cause)) {
        // kafkajs rolled back the sequence numbers of every partition in the refused request,
        // also of those the broker did write: this producer id would now fail the next send
        // with OUT_OF_ORDER_SEQUENCE_NUMBER. A fresh one saves that round trip and its backoff.
        const reason = kafkaErrorType(cause) ?? errorMessage(cause);
        this.logger.warn({ err: cause, reason }, 'broker refuses a record: starting a fresh producer');
        await this.dropProducer();
        this.events.emit('producerRecreated', { topic: this.topic, reason });
        throw new SinkError(
          'SINK_RECORD_REJECTED',
          `${this.topic} refuses a record of this batch: ${errorMessage(cause)}`,
          { cause, retriable: false, context: { topic: this.topic, type: kafkaErrorType(cause) } },
        );
      }
      if (fatal) {
        const reason = kafkaErrorType(cause) ?? errorMessage(cause);
        this.logger.error({ err: cause, reason }, 'fatal producer error: recreating the producer');
        await this.dropProducer();
        this.events.emit('producerRecreated', { topic: this.topic, reason });
        throw new SinkError('SINK_FATAL_PRODUCER', `producer for ${this.topic} recreated after: ${reason}`, {
          cause,
          retriable: true,
          context: { topic: this.topic },
        });
      }
      throw new SinkError('SINK_WRITE', `send to ${this.topic} failed: ${errorMessage(cause)}`, {
        cause,
        retriable: true,
        context: { topic: this.topic, type: kafkaErrorType(cause) },
      });
    }
    this.events.emit('sent', { topic: this.topic, count: messages.length });
  }

  /** One request per partition, concurrently; rejects with the first failure, remembering what was taken. */
  private async sendByPartition(producer: ProducerLike, all: KafkaMessageOut[]): Promise<void> {
    const messages = this.taken.unsent(all);
    if (messages.length > 0) {
      const groups = groupByPartition(this.topic, messages, await this.partitionCount());
      if (groups.length === 1) {
        await producer.send({ topic: this.topic, acks: -1, messages });
      } else {
        const results = await Promise.allSettled(
          groups.map((g) => producer.send({ topic: this.topic, acks: -1, messages: g })),
        );
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) {
          results.forEach((r, i) => {
            if (r.status === 'fulfilled') this.taken.remember(groups[i] as KafkaMessageOut[]);
          });
          throw failed.reason;
        }
      }
    }
    this.taken.forget(all);
  }

  private async partitionCount(): Promise<number | null> {
    if (this.partitions !== null) return this.partitions;
    try {
      const admin = await this.connectedAdmin();
      if (!admin.fetchTopicMetadata) return null;
      const meta = await admin.fetchTopicMetadata({ topics: [this.topic] });
      const n = meta.topics.find((t) => t.name === this.topic)?.partitions.length;
      this.partitions = n !== undefined && n > 0 ? n : null;
    } catch (err) {
      this.logger.debug({ err }, 'partition count unavailable: sending the batch as one request');
      await this.dropAdmin();
    }
    return this.partitions;
  }

  private checkSizes(messages: readonly KafkaMessageOut[]): void {
    const max = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    for (const [index, message] of messages.entries()) {
      const bytes = messageBytes(message);
      if (bytes <= max) continue;
      throw new SinkError(
        'SINK_RECORD_REJECTED',
        `message ${index + 1} of ${messages.length} for ${this.topic} (key ${message.key}) is about ${bytes} bytes, over maxMessageBytes ${max}`,
        { retriable: false, context: { topic: this.topic, index, bytes, maxMessageBytes: max } },
      );
    }
  }

  private async connected(): Promise<ProducerLike> {
    if (this.producer) return this.producer;
    this.connecting ??= (async () => {
      const p = this.options.factory.producer();
      try {
        await p.connect();
      } catch (err) {
        await p.disconnect().catch(() => undefined);
        throw err;
      }
      this.producer = p;
      return p;
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async dropProducer(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    if (!p) return;
    try {
      await p.disconnect();
    } catch (err) {
      this.logger.warn({ err }, 'producer disconnect failed');
    }
  }

  private async connectedAdmin(): Promise<AdminLike> {
    if (this.admin) return this.admin;
    const admin = this.options.factory.admin();
    await admin.connect();
    this.admin = admin;
    return admin;
  }

  private async dropAdmin(): Promise<void> {
    const a = this.admin;
    this.admin = null;
    await a?.disconnect().catch(() => undefined);
  }

  private async ensureTopic(): Promise<void> {
    const creation = this.options.createTopic;
    if (this.topicReady || !creation) return;
    const admin = await this.connectedAdmin();
    const existing = await admin.listTopics();
    if (!existing.includes(this.topic)) {
      try {
        await admin.createTopics({
          topics: [{ topic: this.topic, ...creation }],
          waitForLeaders: true,
        });
        this.logger.info({ ...creation }, 'created topic');
        this.events.emit('topicCreated', { topic: this.topic, numPartitions: creation.numPartitions });
      } catch (err) {
        // Another instance may have created it between listTopics and createTopics.
        if (kafkaErrorType(err) !== 'TOPIC_ALREADY_EXISTS') {
          const config = topicCreationConfigError(err, creation);
          if (config) {
            if (this.configProblem !== config.message) this.logger.error({ err }, config.message);
            this.configProblem = config.message;
            throw config;
          }
          throw err;
        }
      }
    }
    this.configProblem = null;
    this.topicReady = true;
  }

  /** The configuration error that keeps this topic from being used, or null (for /ready). */
  configError(): string | null {
    return this.configProblem;
  }
}
