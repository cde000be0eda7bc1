/**
 * The in-process hand-off, the embedded default (role `all`): publish() hands the record
 * straight to the processor's delivery callback, in the listener's own tick. No copy, no
 * queue, no serialisation; ack() is one shared no-op the processor recognises
 * (isNoopAck) so it skips offset bookkeeping that only a durable log needs.
 */
import type { HandoffDelivery, HandoffRecord, HandoffSink, HandoffSource } from './ports.js';

/** The ack of an in-process delivery: nothing to commit. */
export const noopAck = (): void => undefined;

/** True when a delivery's ack commits nothing, so the processor need not track it. */
export function isNoopAck(delivery: HandoffDelivery): boolean {
  return delivery.ack === noopAck;
}

export interface InProcessHandoff {
  readonly sink: HandoffSink & {
    /** Records published after close() (a listener frame read during shutdown). */
    readonly dropped: number;
  };
  readonly source: HandoffSource;
}

/**
 * A connected sink/source pair. Records published before the source started are kept (in
 * order) and delivered at start(); records published after close() are counted, not delivered.
 */
export function createInProcessHandoff(): InProcessHandoff {
  let deliver: ((d: HandoffDelivery) => void) | null = null;
  let early: HandoffRecord[] = [];
  let closed = false;
  let dropped = 0;
  const sink = {
    publish(record: HandoffRecord): void {
      if (deliver) deliver({ records: [record], ack: noopAck });
      else if (closed) dropped++;
      else early.push(record);
    },
    flush: (): Promise<void> => Promise.resolve(),
    close(): Promise<void> {
      closed = true;
      deliver = null;
      return Promise.resolve();
    },
    get dropped(): number {
      return dropped;
    },
  };
  const source: HandoffSource = {
    start(onDelivery): Promise<void> {
      if (closed) return Promise.resolve();
      deliver = onDelivery;
      const held = early;
      early = [];
      for (const record of held) onDelivery({ records: [record], ack: noopAck });
      return Promise.resolve();
    },
    close(): Promise<void> {
      closed = true;
      deliver = null;
      return Promise.resolve();
    },
  };
  return { sink, source };
}
