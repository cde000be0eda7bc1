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
 * A batch goes out as one request per partition leader, and after a refusal each partition of the
 * refused request is settled alone, so isolating a refused record writes nothing twice
 * (partition-sends.ts).
 */
import { SinkError, errorMessage, silentLogger } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import { TypedEmitter } from '../../core/index.js';
import { connectOrDispose } from './client.js';
import type { AdminLike, KafkaClientFactory, KafkaMessageOut, ProducerLike } from './client.js';
import { isFatalProducerError, isRecordRejectedError, kafkaErrorType } from './fatal.js';
import { DEFAULT_MAX_MESSAGE_BYTES, messageBytes } from './size.js';
import { TakenMemory, leaderGroups, leadersOf, partitionGroups } from './partition-sends.js';
import type { LeaderGroup, PartitionGroup } from './partition-sends.js';
import { ProducerSlot } from './producer-slot.js';
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
  private readonly producer: ProducerSlot;
  private admin: AdminLike | null = null;
  private connectingAdmin: Promise<AdminLike> | null = null;
  private topicReady = false;
  private lock: Promise<void> = Promise.resolve();
  private closed: Promise<void> | null = null;
  private readonly logger: Logger;
  private readonly taken = new TakenMemory();
  /** The topic's partition count (null: unknown, send as one request). */
  private partitions: number | null = null;
  /** Partition -> leading broker, from the same metadata read (null: unknown). */
  private leaders: Map<number, number> | null = null;
  /** Re-read the partition count before the next send (after a failure); the last one stays if that fails. */
  private partitionsStale = true;
  private configProblem: string | null = null;

  constructor(private readonly options: TopicProducerOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'sink.kafka', topic: options.topic });
    this.events = new TypedEmitter(this.logger);
    this.producer = new ProducerSlot(options.factory);
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

  /**
   * Do at start-up what the first send would do otherwise (create the topic if configured,
   * connect the producer, read the partitions and their leaders), so the first signals do not
   * wait for it and pile up. Not queued behind sends: a send that comes meanwhile shares the
   * connection in progress. Never throws: a failure is logged, and the first send tries again.
   */
  async warmUp(): Promise<void> {
    if (this.closed) return;
    try {
      await this.ensureTopic();
      await this.producer.connected();
      const count = await this.partitionCount();
      const brokers = this.leaders ? new Set(this.leaders.values()).size : null;
      this.logger.info({ partitions: count, leaders: brokers }, 'kafka producer connected');
    } catch (err) {
      // A topic configuration problem was logged where it was found (ensureTopic).
      if (err instanceof SinkError && err.code === 'SINK_CONFIG') return;
      this.logger.warn({ err }, `kafka warm-up failed; the first send retries: ${errorMessage(err)}`);
    }
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
      await this.producer.close((err) => this.logger.warn({ err }, 'producer disconnect failed'));
      await this.dropAdmin();
    })();
    return this.closed;
  }

  private async sendNow(messages: KafkaMessageOut[]): Promise<void> {
    if (this.closed) throw new SinkError('SINK_UNAVAILABLE', `producer for ${this.topic} is closed`);
    if (messages.length === 0) return;
    this.checkSizes(messages);
    const unsent = this.taken.unsent(messages);
    let groups: PartitionGroup[];
    let producer: ProducerLike;
    try {
      await this.ensureTopic();
      // Connecting first finds an unreachable broker before the partition count is asked for.
      producer = await this.producer.connected();
      groups = unsent.length === 0 ? [] : partitionGroups(this.topic, unsent, await this.partitionCount());
    } catch (cause) {
      if (cause instanceof SinkError && cause.code === 'SINK_CONFIG') throw cause;
      throw new SinkError('SINK_UNAVAILABLE', `kafka unreachable for ${this.topic}: ${errorMessage(cause)}`, {
        cause,
        retriable: true,
      });
    }
    try {
      await this.sendByLeader(producer, groups);
      this.taken.forget(messages);
    } catch (cause) {
      this.partitionsStale = true;
      const dropProducer = (): Promise<void> =>
        this.producer.drop((err) => this.logger.warn({ err }, 'producer disconnect failed'));
      const fatal = isFatalProducerError(cause);
      this.events.emit('sendFailed', { topic: this.topic, error: cause, fatal });
      if (isRecordRejectedError(cause)) {
        // Settled per partition (sendLeader), the refused request held only the refused record's
        // partition, of which nothing was written: the producer's sequence numbers still match
        // the broker's. Not so when the partitions were not known and one request spanned
        // several: kafkajs rolled back the sequence numbers of partitions the broker did write,
        // and the producer id could fail its next send with OUT_OF_ORDER_SEQUENCE_NUMBER. A
        // fresh one saves that round trip and backoff.
        const reason = kafkaErrorType(cause) ?? errorMessage(cause);
        if (groups.some((g) => g.partition === null)) {
          this.logger.warn({ err: cause, reason }, 'broker refuses a record: starting a fresh producer');
          await dropProducer();
          this.events.emit('producerRecreated', { topic: this.topic, reason });
        } else {
          this.logger.warn({ err: cause, reason }, 'broker refuses a record of this batch');
        }
        throw new SinkError(
          'SINK_RECORD_REJECTED',
          `${this.topic} refuses a record of this batch: ${errorMessage(cause)}`,
          { cause, retriable: false, context: { topic: this.topic, type: kafkaErrorType(cause) } },
        );
      }
      if (fatal) {
        const reason = kafkaErrorType(cause) ?? errorMessage(cause);
        this.logger.error({ err: cause, reason }, 'fatal producer error: recreating the producer');
        await dropProducer();
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

  /**
   * One send per partition leader, all in flight at once (kafkajs holds one request per broker
   * in flight for an idempotent producer, so sends to different brokers do not wait for each
   * other). Rejects with the first failure, remembering what the broker took.
   */
  private async sendByLeader(producer: ProducerLike, groups: readonly PartitionGroup[]): Promise<void> {
    const byLeader = leaderGroups(groups, this.leaders);
    const results = await Promise.allSettled(byLeader.map((l) => this.sendLeader(producer, l)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) return;
    results.forEach((r, i) => {
      if (r.status !== 'fulfilled') return;
      for (const g of (byLeader[i] as LeaderGroup).groups) this.taken.remember(g.messages);
    });
    throw failure.reason;
  }

  /**
   * One broker's partitions in one request. A refusal there is settled partition by partition
   * (partition-sends.ts): each is sent again alone, what the broker takes (again, or for the
   * first time) is remembered, and the refusal is rethrown for the queue to isolate the record.
   * So is a fatal producer error (fatal.ts), which is about one partition's sequence numbers
   * while the others may have been written: those are remembered before the producer is
   * replaced, since a new producer id could not be recognised re-sending them. Any other failure
   * is rethrown as it is: the queue re-sends the same batch, whose partition batches the broker
   * recognises by their sequence numbers.
   */
  private async sendLeader(producer: ProducerLike, l: LeaderGroup): Promise<void> {
    const messages =
      l.groups.length === 1 ? (l.groups[0] as PartitionGroup).messages : l.groups.flatMap((g) => g.messages);
    try {
      await producer.send({ topic: this.topic, acks: -1, messages });
      return;
    } catch (err) {
      const settleable = l.groups.length > 1 && l.groups.every((g) => g.partition !== null);
      if (!settleable || !(isRecordRejectedError(err) || isFatalProducerError(err))) throw err;
    }
    let refusal: unknown;
    let other: unknown;
    for (const g of l.groups) {
      try {
        await producer.send({ topic: this.topic, acks: -1, messages: g.messages });
        this.taken.remember(g.messages);
      } catch (err) {
        if (isRecordRejectedError(err)) refusal ??= err;
        else other ??= err;
      }
    }
    // The refusal decides (the queue isolates the record); else what failed is re-sent as it is.
    if (refusal !== undefined) throw refusal as Error;
    if (other !== undefined) throw other as Error;
    // Every partition went through alone: the refusal was not about these records after all.
  }

  /**
   * The topic's partition count and leaders, read again after a failure (the count may have
   * grown, a leader moved). If that read fails the last ones stay; either way a re-sent batch has
   * the same partition batches on the same producer, so the broker drops what it already wrote.
   */
  private async partitionCount(): Promise<number | null> {
    if (!this.partitionsStale) return this.partitions;
    try {
      const admin = await this.connectedAdmin();
      if (!admin.fetchTopicMetadata) {
        this.partitionsStale = false;
        return this.partitions;
      }
      const meta = await admin.fetchTopicMetadata({ topics: [this.topic] });
      const partitions = meta.topics.find((t) => t.name === this.topic)?.partitions;
      if (partitions !== undefined && partitions.length > 0) {
        this.partitions = partitions.length;
        this.leaders = leadersOf(partitions);
      }
      this.partitionsStale = false;
    } catch (err) {
      this.logger.debug({ err }, 'partition count unavailable: keeping the last one');
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

  /** One admin, shared by callers that come while it connects (warm-up, a send, a ping). */
  private connectedAdmin(): Promise<AdminLike> {
    if (this.admin) return Promise.resolve(this.admin);
    this.connectingAdmin ??= (async () => {
      const admin = await connectOrDispose(this.options.factory.admin());
      this.admin = admin;
      return admin;
    })().finally(() => (this.connectingAdmin = null));
    return this.connectingAdmin;
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
