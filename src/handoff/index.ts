/**
 * Public door of the hand-off between listeners and fan-in (issue #17): the ports shared with
 * the Kafka adapters, and the in-process adapter that is the embedded default.
 */
export type {
  HandoffDelivery,
  HandoffFills,
  HandoffListenerState,
  HandoffPositions,
  HandoffRecord,
  HandoffSink,
  HandoffSource,
  ListenerGroup,
  ListenerOwnership,
  MemberAdvert,
  ProcessRole,
} from './ports.js';
export { createInProcessHandoff, isNoopAck, noopAck } from './in-process.js';
export type { InProcessHandoff } from './in-process.js';
