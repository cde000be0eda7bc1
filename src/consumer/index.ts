/**
 * Public door of the reference signal consumer (package entry point
 * `hl-influencer-ingest/consumer`): createSignalConsumer and its parts (decode, dedupe window,
 * position chain), the Signal contract schema it validates with, and the human signal line.
 * It depends only on core and the contract-only door of positions, never on the ingester's
 * runtime stages.
 */
export { createSignalConsumer } from './consumer.js';
export type {
  InvalidMessage,
  PartitionLag,
  SignalConsumer,
  SignalConsumerOptions,
  SignalConsumerStats,
  SignalContext,
} from './consumer.js';
export { SignalConsumerSettings, ConsumerStart } from './settings.js';
export type { SignalConsumerSettingsInput } from './settings.js';
export { decodeSignal, ReceivedSignal, INVALID_REASONS } from './decode.js';
export type { Decoded, InvalidReason, RawRecord } from './decode.js';
export { DedupeWindow } from './dedupe.js';
export type { SignalDedupe } from './dedupe.js';
export { PositionChain } from './chain.js';
export type { ChainBreak } from './chain.js';
export {
  Signal,
  SIGNAL_SCHEMA_VERSION,
  SIGNAL_TOPIC,
  POSITION_ACTIONS,
  signalKey,
  signalLine,
} from '../positions/signal-contract.js';
