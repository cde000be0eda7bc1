/**
 * The NATS JetStream EventLog adapter (issue #15). One stream per partition, named
 * `<streamPrefix>_<partition>` on subject `<subjectPrefix>.<partition>` (characters outside
 * [A-Za-z0-9_-] escaped as =XX), so a partition's stream sequence is its offset + 1: offsets are
 * consecutive per partition, replay from an offset is an ordered consumer from that sequence,
 * and retention is a purge up to a sequence. Idempotency is JetStream's: `Nats-Msg-Id` = event_id,
 * deduplicated by the server within the stream's duplicate_window (a re-send after the window
 * is stored again; consumers dedup by event_id for that case). The event time travels in the
 * `Elog-Ts` header. Streams also carry max_age / max_bytes limits the server enforces by store
 * time; `applyRetention` cuts by event time and payload bytes, like the other backends.
 */
import { jetstream, jetstreamManager, DeliverPolicy, JetStreamApiError } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { SinkError } from '../../core/index.js';
import type {
  AppendRequest,
  AppendResult,
  EventLog,
  LogRecord,
  ReadOptions,
  RetentionPolicy,
} from './port.js';
import { retentionCutoff } from './retention.js';
import { nameTokenCodec } from './name-token.js';

export interface NatsEventLogOptions {
  /** nats://host:port (comma-separated for a cluster). */
  readonly servers: string;
  readonly streamPrefix: string;
  readonly subjectPrefix: string;
  /** Server-side dedup window for Nats-Msg-Id. */
  readonly duplicateWindowMs: number;
  /** Server-enforced limits per partition stream (store time); 0 = unlimited. */
  readonly maxAgeMs: number;
  readonly maxBytes: number;
}

const TS_HEADER = 'Elog-Ts';
const STREAM_NOT_FOUND = 10059;

/** A partition name as a NATS token: [A-Za-z0-9_-] kept, every other UTF-8 byte as =XX. */
const natsTokens = nameTokenCodec(/^[A-Za-z0-9_-]$/, '=');
export const natsToken = (partition: string): string => natsTokens.encode(partition);
export const fromNatsToken = (token: string): string => natsTokens.decode(token);

export class NatsEventLog implements EventLog {
  private readonly ensured = new Set<string>();
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly o: NatsEventLogOptions,
  ) {}

  static async open(o: NatsEventLogOptions): Promise<NatsEventLog> {
    try {
      const nc = await connect({ servers: o.servers.split(',').map((s) => s.trim()) });
      const jsm = await jetstreamManager(nc);
      return new NatsEventLog(nc, jetstream(nc), jsm, o);
    } catch (cause) {
      throw new SinkError('SINK_UNAVAILABLE', `nats event log: cannot reach JetStream at ${o.servers}`, {
        cause,
        retriable: true,
      });
    }
  }

  private stream(partition: string): string {
    return `${this.o.streamPrefix}_${natsToken(partition)}`;
  }

  private subject(partition: string): string {
    return `${this.o.subjectPrefix}.${natsToken(partition)}`;
  }

  /** Creates the partition's stream once (idempotent on the server: same config = no-op). */
  private async ensureStream(partition: string): Promise<void> {
    const name = this.stream(partition);
    if (this.ensured.has(name)) return;
    const cfg = {
      name,
      subjects: [this.subject(partition)],
      // The server rejects a duplicate window longer than max_age.
      duplicate_window: nanos(
        this.o.maxAgeMs > 0 ? Math.min(this.o.duplicateWindowMs, this.o.maxAgeMs) : this.o.duplicateWindowMs,
      ),
      max_age: this.o.maxAgeMs > 0 ? nanos(this.o.maxAgeMs) : 0,
      max_bytes: this.o.maxBytes > 0 ? this.o.maxBytes : -1,
    };
    try {
      await this.jsm.streams.info(name);
    } catch (e) {
      if (!(e instanceof JetStreamApiError && e.code === STREAM_NOT_FOUND)) throw e;
      await this.jsm.streams.add(cfg);
    }
    this.ensured.add(name);
  }

  async append(batch: readonly AppendRequest[]): Promise<readonly AppendResult[]> {
    this.assertOpen();
    try {
      for (const p of new Set(batch.map((r) => r.partition))) await this.ensureStream(p);
      // Published without waiting in between: one connection keeps them in order per subject.
      const acks = await Promise.all(
        batch.map((r) => {
          const h = headers();
          h.set(TS_HEADER, String(r.timestampMs));
          return this.js.publish(this.subject(r.partition), r.bytes, { msgID: r.eventId, headers: h });
        }),
      );
      return acks.map((a, i) => ({
        partition: (batch[i] as AppendRequest).partition,
        offset: a.duplicate ? -1 : a.seq - 1,
        duplicate: a.duplicate,
      }));
    } catch (cause) {
      throw new SinkError('SINK_WRITE', 'nats event log append failed', { cause, retriable: true });
    }
  }

  private async state(
    partition: string,
  ): Promise<{ first: number; last: number; messages: number } | undefined> {
    try {
      const info = await this.jsm.streams.info(this.stream(partition));
      return { first: info.state.first_seq, last: info.state.last_seq, messages: info.state.messages };
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === STREAM_NOT_FOUND) return undefined;
      throw e;
    }
  }

  async read(partition: string, options: ReadOptions = {}): Promise<readonly LogRecord[]> {
    this.assertOpen();
    const st = await this.state(partition);
    if (st === undefined || st.messages === 0) return [];
    const fromSeq = Math.max((options.fromOffset ?? 0) + 1, st.first);
    const count = Math.min(options.maxRecords ?? 1000, st.last - fromSeq + 1);
    if (count <= 0) return [];
    const consumer = await this.js.consumers.get(this.stream(partition), {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: fromSeq,
    });
    const out: LogRecord[] = [];
    const msgs = await consumer.fetch({ max_messages: count, expires: 5_000 });
    for await (const m of msgs) {
      out.push({
        partition,
        offset: m.seq - 1,
        eventId: m.headers?.get('Nats-Msg-Id') ?? '',
        timestampMs: Number(m.headers?.get(TS_HEADER) ?? 0),
        bytes: m.data,
      });
      if (out.length >= count) break;
    }
    await consumer.delete().catch(() => undefined);
    return out;
  }

  /** A scan (JetStream indexes store time, not event time): first record with ts ≥ t. */
  async offsetForTime(partition: string, timestampMs: number): Promise<number> {
    for (let from = await this.startOffset(partition); ;) {
      const batch = await this.read(partition, { fromOffset: from, maxRecords: 4096 });
      if (batch.length === 0) return this.endOffset(partition);
      const hit = batch.find((r) => r.timestampMs >= timestampMs);
      if (hit !== undefined) return hit.offset;
      from = (batch[batch.length - 1] as LogRecord).offset + 1;
    }
  }

  async partitions(): Promise<readonly string[]> {
    this.assertOpen();
    const out: string[] = [];
    const prefix = `${this.o.streamPrefix}_`;
    for await (const name of this.jsm.streams.names()) {
      if (name.startsWith(prefix)) out.push(fromNatsToken(name.slice(prefix.length)));
    }
    return out.sort();
  }

  async endOffset(partition: string): Promise<number> {
    this.assertOpen();
    return (await this.state(partition))?.last ?? 0;
  }

  async startOffset(partition: string): Promise<number> {
    this.assertOpen();
    const st = await this.state(partition);
    if (st === undefined) return 0;
    return st.messages === 0 ? st.last : st.first - 1;
  }

  async applyRetention(policy: RetentionPolicy, nowMs: number): Promise<void> {
    for (const p of await this.partitions()) {
      const cut = await retentionCutoff(this, p, policy, nowMs);
      // Purge by sequence removes everything below it: offset `cut` is sequence cut + 1.
      if (cut > (await this.startOffset(p))) await this.jsm.streams.purge(this.stream(p), { seq: cut + 1 });
    }
  }

  /** Every publish was acknowledged by the server (stored) before append resolved. */
  async flush(): Promise<void> {
    this.assertOpen();
    await this.nc.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.nc.drain();
  }

  private assertOpen(): void {
    if (this.closed) throw new SinkError('SINK_UNAVAILABLE', 'nats event log is closed');
  }
}
