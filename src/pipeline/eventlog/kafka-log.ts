/**
 * The Kafka EventLog adapter (issue #15). One single-partition topic per port partition, named by
 * a KafkaTopicLayout (./kafka-topics.ts: `<family>.<partition>` with characters outside
 * [A-Za-z0-9-] escaped as _XX, or the silver split by payload): the Kafka offsets of that topic
 * ARE the port's offsets (consecutive from 0, never moved), the low watermark is startOffset, the
 * high watermark is endOffset. A topic per partition rather than one Kafka partition per port
 * partition of a shared topic: the port's partitions are open-ended strings, and a name →
 * partition registry that several writers agree on is a second log of its own; a topic per
 * market needs none.
 *
 * Each message: key = partition, value = the envelope bytes, timestamp = event time (CreateTime),
 * header `event-id`. So `offsetForTime` is Kafka's ListOffsets by timestamp (the earliest offset
 * with timestamp ≥ t) and retention is `admin.deleteTopicRecords` (DeleteRecords) below the cut. Topics are created with
 * retention.ms = -1: Kafka's own time retention would judge old event times as expired at once.
 *
 * Idempotency: Kafka has no dedup by key, so this adapter dedups at write: the event ids of every
 * partition topic are scanned into a set on open (like the file log), and an append drops ids
 * already in it (also repeats inside one batch). Exact for one writer per log; two writers could
 * both store an id (at-least-once; consumers dedup by the envelope's event_id).
 *
 * Reads use the public consumer API: a throwaway consumer group (no commits) subscribes to the
 * topic, seeks to the offset and collects up to the high watermark read before it started.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { SinkError } from '../../core/index.js';
import { createTopicsAndWait } from '../../sinks/kafka/index.js';
import type {
  AppendRequest,
  AppendResult,
  EventLog,
  LogRecord,
  ReadOptions,
  RetentionPolicy,
} from './port.js';
import { retentionCutoff } from './retention.js';
import type { KafkaTopicLayout } from './kafka-topics.js';

export interface KafkaEventLogOptions {
  readonly brokers: readonly string[];
  /** How this log's partitions are named as topics (and listed back). */
  readonly topics: KafkaTopicLayout;
  /**
   * The port partition an append lands in; default its own `partition`. The silver log routes
   * each event to `<payload>.v<n>/<partition key>` so that topics split by payload (see
   * kafka-topics.ts); the result carries the routed partition, which is what reads then use.
   */
  readonly route?: (r: AppendRequest) => string;
  readonly replicationFactor: number;
  readonly clientId: string;
  /** Upper bound on one read or the open scan waiting for the broker. */
  readonly readTimeoutMs: number;
}

const ID_HEADER = 'event-id';

interface Range {
  readonly topic: string;
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
}

interface RawMessage {
  readonly offset: number;
  readonly timestampMs: number;
  readonly eventId: string;
  readonly bytes: Uint8Array;
}

export class KafkaEventLog implements EventLog {
  private readonly topics = new Set<string>();
  private readonly ids = new Set<string>();
  private closed = false;

  private constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly o: KafkaEventLogOptions,
  ) {}

  /** Connects, lists the log's partition topics and scans their event ids (dedup at write). */
  static async open(o: KafkaEventLogOptions): Promise<KafkaEventLog> {
    // kafkajs' console logger is off: every failure surfaces as a thrown SinkError instead.
    const kafka = new Kafka({ clientId: o.clientId, brokers: [...o.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    const log = new KafkaEventLog(kafka, admin, producer, o);
    try {
      await admin.connect();
      await producer.connect();
      await log.refreshTopics();
      const ranges: Range[] = [];
      for (const topic of log.topics) {
        const [w] = await admin.fetchTopicOffsets(topic);
        if (w !== undefined && Number(w.high) > Number(w.low)) {
          ranges.push({ topic, from: Number(w.low), to: Number(w.high) });
        }
      }
      await log.consume(ranges, (_t, m) => log.ids.add(m.eventId));
    } catch (cause) {
      await log.close().catch(() => undefined);
      throw new SinkError(
        'SINK_UNAVAILABLE',
        `kafka event log: cannot open ${o.topics.name} on ${o.brokers.join(',')}`,
        {
          cause,
          retriable: true,
        },
      );
    }
    return log;
  }

  private topicOf(partition: string): string {
    return this.o.topics.topicOf(partition);
  }

  private async refreshTopics(): Promise<void> {
    for (const t of await this.admin.listTopics()) {
      if (this.o.topics.partitionOf(t) !== undefined) this.topics.add(t);
    }
  }

  private async ensureTopics(partitions: Iterable<string>): Promise<void> {
    const missing = [...new Set([...partitions].map((p) => this.topicOf(p)))].filter(
      (t) => !this.topics.has(t),
    );
    if (missing.length === 0) return;
    await this.refreshTopics();
    const create = missing.filter((t) => !this.topics.has(t));
    if (create.length > 0) {
      // Some may exist already (another writer): fine, they are single-partition too.
      await createTopicsAndWait(
        this.admin,
        create.map((topic) => ({
          topic,
          numPartitions: 1,
          replicationFactor: this.o.replicationFactor,
          configEntries: [{ name: 'retention.ms', value: '-1' }],
        })),
      );
    }
    for (const t of create) this.topics.add(t);
  }

  async append(batch: readonly AppendRequest[]): Promise<readonly AppendResult[]> {
    this.assertOpen();
    const results = new Array<AppendResult>(batch.length);
    const byTopic = new Map<string, number[]>();
    const fresh = new Set<string>();
    const route = this.o.route;
    const parts = route === undefined ? batch.map((r) => r.partition) : batch.map(route);
    batch.forEach((r, i) => {
      const partition = parts[i] as string;
      if (this.ids.has(r.eventId) || fresh.has(r.eventId)) {
        results[i] = { partition, offset: -1, duplicate: true };
        return;
      }
      fresh.add(r.eventId);
      const t = this.topicOf(partition);
      const g = byTopic.get(t);
      if (g === undefined) byTopic.set(t, [i]);
      else g.push(i);
    });
    if (byTopic.size === 0) return results;
    try {
      await this.ensureTopics(parts);
      const meta = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, idx]) => ({
          topic,
          messages: idx.map((i) => {
            const r = batch[i] as AppendRequest;
            return {
              key: r.partition, // the partition key (market) as the producer gave it
              value: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength),
              timestamp: String(r.timestampMs),
              partition: 0,
              headers: { [ID_HEADER]: r.eventId },
            };
          }),
        })),
      });
      for (const [topic, idx] of byTopic) {
        const m = meta.find((x) => x.topicName === topic);
        if (m?.baseOffset === undefined) throw new Error(`no offset acknowledged for ${topic}`);
        idx.forEach((i, k) => {
          results[i] = { partition: parts[i] as string, offset: Number(m.baseOffset) + k, duplicate: false };
        });
      }
    } catch (cause) {
      throw new SinkError('SINK_WRITE', 'kafka event log append failed', { cause, retriable: true });
    }
    for (const id of fresh) this.ids.add(id);
    return results;
  }

  private async watermarks(partition: string): Promise<{ low: number; high: number } | undefined> {
    const topic = this.topicOf(partition);
    if (!this.topics.has(topic)) {
      await this.refreshTopics();
      if (!this.topics.has(topic)) return undefined;
    }
    const [w] = await this.admin.fetchTopicOffsets(topic);
    return w === undefined ? undefined : { low: Number(w.low), high: Number(w.high) };
  }

  async read(partition: string, options: ReadOptions = {}): Promise<readonly LogRecord[]> {
    this.assertOpen();
    const w = await this.watermarks(partition);
    if (w === undefined) return [];
    const from = Math.max(options.fromOffset ?? 0, w.low);
    const to = Math.min(from + (options.maxRecords ?? 1000), w.high);
    if (to <= from) return [];
    const out: LogRecord[] = [];
    await this.consume([{ topic: this.topicOf(partition), from, to }], (_t, m) =>
      out.push({ partition, ...m }),
    );
    return out.sort((a, b) => a.offset - b.offset);
  }

  /**
   * Collects every offset in [from, to) of each range with one throwaway consumer group, then
   * leaves. Offsets outside a range (a fetch before the seek lands) and repeats are dropped.
   */
  private async consume(
    ranges: readonly Range[],
    each: (topic: string, m: RawMessage) => void,
  ): Promise<void> {
    if (ranges.length === 0) return;
    const want = new Map(ranges.map((r) => [r.topic, r]));
    const seen = new Map(ranges.map((r) => [r.topic, new Set<number>()]));
    let remaining = ranges.reduce((n, r) => n + (r.to - r.from), 0);
    const consumer: Consumer = this.kafka.consumer({
      groupId: `${this.o.clientId}-read-${randomUUID()}`,
      allowAutoTopicCreation: false,
    });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`kafka read timed out after ${this.o.readTimeoutMs} ms (${remaining} records missing)`),
          ),
        this.o.readTimeoutMs,
      );
    });
    try {
      // seek needs a joined group; records fetched before it lands are outside the range.
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const r of ranges) consumer.seek({ topic: r.topic, partition: 0, offset: String(r.from) });
      });
      await consumer.connect();
      await consumer.subscribe({ topics: ranges.map((r) => r.topic), fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const r = want.get(batch.topic);
          const got = seen.get(batch.topic);
          if (r === undefined || got === undefined) return;
          for (const m of batch.messages) {
            const off = Number(m.offset);
            if (off < r.from || off >= r.to || got.has(off)) continue;
            got.add(off);
            remaining--;
            each(batch.topic, {
              offset: off,
              timestampMs: Number(m.timestamp),
              eventId: m.headers?.[ID_HEADER]?.toString() ?? '',
              bytes: m.value ?? Buffer.alloc(0),
            });
          }
          if (remaining <= 0) done();
          return Promise.resolve();
        },
      });
      await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
    }
  }

  async offsetForTime(partition: string, timestampMs: number): Promise<number> {
    this.assertOpen();
    const w = await this.watermarks(partition);
    if (w === undefined) return 0;
    // Kafka answers the high watermark when no record is that new.
    const [hit] = await this.admin.fetchTopicOffsetsByTimestamp(this.topicOf(partition), timestampMs);
    return hit === undefined ? w.high : Math.max(Number(hit.offset), w.low);
  }

  async partitions(): Promise<readonly string[]> {
    this.assertOpen();
    await this.refreshTopics();
    return [...this.topics].map((t) => this.o.topics.partitionOf(t) as string).sort();
  }

  async endOffset(partition: string): Promise<number> {
    this.assertOpen();
    return (await this.watermarks(partition))?.high ?? 0;
  }

  async startOffset(partition: string): Promise<number> {
    this.assertOpen();
    return (await this.watermarks(partition))?.low ?? 0;
  }

  async applyRetention(policy: RetentionPolicy, nowMs: number): Promise<void> {
    for (const p of await this.partitions()) {
      const cut = await retentionCutoff(this, p, policy, nowMs);
      if (cut > (await this.startOffset(p))) {
        await this.admin.deleteTopicRecords({
          topic: this.topicOf(p),
          partitions: [{ partition: 0, offset: String(cut) }],
        });
      }
    }
  }

  /** Every append was acknowledged by all in-sync replicas (acks -1) before it resolved. */
  flush(): Promise<void> {
    this.assertOpen();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new SinkError('SINK_UNAVAILABLE', 'kafka event log is closed');
  }
}
