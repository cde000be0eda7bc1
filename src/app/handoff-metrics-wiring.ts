/**
 * Maps the Kafka hand-off adapters' events to HandoffMetrics (issue #17): the bronze producer
 * and the listener group's ownership in a `listeners` process, the bronze consumer in a
 * `processor` process. Role `all` (in-process hand-off) has none of these. The adapters are
 * matched by shape (events + status), so an embedding App's own adapters are simply not wired.
 * State the adapters change without an event (influencers owned after a list change, lag per
 * partition as high watermarks arrive) is sampled with the other gauges.
 */
import type { Clock } from '../core/index.js';
import type { TypedEmitter } from '../core/index.js';
import type {
  HandoffSinkEvents,
  HandoffSourceEvents,
  HandoffSourceStatus,
  ListenerOwnershipEvents,
  ListenerOwnershipStatus,
} from '../distributed/index.js';
import type { HandoffMetrics, ListenerSide, ProcessorSide } from '../obs/index.js';

interface Emits<E extends object> {
  readonly events: TypedEmitter<E>;
}
type SinkEnd = Emits<HandoffSinkEvents>;
type SourceEnd = Emits<HandoffSourceEvents> & { status(): HandoffSourceStatus };
type OwnershipEnd = Emits<ListenerOwnershipEvents> & { status(): ListenerOwnershipStatus };

export interface HandoffMetricsDeps {
  readonly metrics: HandoffMetrics;
  readonly clock: Clock;
  /** `distributed.role` of this process. */
  readonly role: 'listeners' | 'processor';
  readonly listenerGroup: string;
  readonly seam: { readonly sink?: unknown; readonly source?: unknown; readonly ownership?: unknown };
}

export interface HandoffMetricsWiring {
  /** Samples the state gauges (ownership, lag per partition) now. */
  sample(): void;
}

const hasEvents = (end: unknown): boolean =>
  typeof end === 'object' &&
  end !== null &&
  'events' in end &&
  typeof (end as Emits<object>).events === 'object';
const hasStatus = (end: unknown): boolean =>
  hasEvents(end) && typeof (end as { status?: unknown }).status === 'function';

export function wireHandoffMetrics(d: HandoffMetricsDeps): HandoffMetricsWiring {
  const { metrics: m, seam } = d;
  const samplers: (() => void)[] = [];
  if (d.role === 'listeners') {
    const side: ListenerSide = { role: 'listeners', group: d.listenerGroup };
    m.listenerReady(side);
    if (hasEvents(seam.sink)) wireSink(m, side, seam.sink as SinkEnd);
    if (hasStatus(seam.ownership)) samplers.push(wireOwnership(m, side, seam.ownership as OwnershipEnd));
  } else {
    const side: ProcessorSide = { role: 'processor' };
    m.processorReady(side);
    if (hasStatus(seam.source)) samplers.push(wireSource(m, side, seam.source as SourceEnd, d.clock));
  }
  return { sample: () => samplers.forEach((s) => s()) };
}

function wireSink(m: HandoffMetrics, side: ListenerSide, sink: SinkEnd): void {
  sink.events.on('sent', (e) => m.bronzeSent(side, e));
  sink.events.on('overflow', () => m.bronzeRefused(side, 'overflow'));
  sink.events.on('closedDrop', () => m.bronzeRefused(side, 'closed'));
  sink.events.on('sendError', () => m.bronzeSendError(side));
}

function wireOwnership(m: HandoffMetrics, side: ListenerSide, o: OwnershipEnd): () => void {
  o.events.on('assigned', (e) => m.ownershipAssigned(side, e.partitions.length, e.owned));
  return () => {
    const st = o.status();
    m.ownership(side, st.partitions.length, st.owned);
  };
}

function wireSource(m: HandoffMetrics, side: ProcessorSide, source: SourceEnd, clock: Clock): () => void {
  source.events.on('delivered', (e) => m.bronzeConsumed(side, e.records, e.transitMs));
  source.events.on('badRecord', () => m.bronzeBadRecord(side));
  source.events.on('assigned', (e) => m.bronzeAssigned(side, e.partitions, e.revoked));
  source.events.on('committed', () => m.bronzeCommitted(side, clock.now()));
  source.events.on('commitError', () => m.bronzeCommitFailed(side));
  return () => m.bronzeLag(side, source.status().partitions);
}
