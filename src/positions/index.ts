/**
 * Public door of the positions stage: the position state machine and engine, the Signal
 * contract, the ports it needs (FillHistory, PositionSource, CursorStore, PublishSignal,
 * RawEventSource), the in-memory cursor store and replay. Adapters that need client
 * libraries (Redis) are exported from ./adapters.ts instead.
 */
export {
  POSITION_STATES,
  POSITION_ACTIONS,
  TRANSITIONS,
  transition,
  deriveAction,
  stateOf,
  isLegal,
} from './transitions.js';
export type { PositionState, PositionAction, TransitionEvent } from './transitions.js';
// The contract door's names (Signal schema, keys, the human line), then what only the ingester needs.
export * from './signal-contract.js';
export { signalIdOf, signalHeaders } from './signal.js';
export type { SignalIdInput } from './signal.js';
export { signalJsonSchema, signalJsonSchemaText, SIGNAL_SCHEMA_ID, SIGNAL_SCHEMA_FILE } from './contract.js';
export { PositionEngine } from './engine.js';
export type { PositionEngineOptions } from './engine.js';
export { ABSORB_REASONS } from './events.js';
export type { PositionEngineEvents, AbsorbReason, MarketRef } from './events.js';
export type {
  FillHistory,
  FillHistoryResult,
  PositionSource,
  PositionSnapshot,
  Cursor,
  CursorStore,
  PublishSignal,
  RawEventSource,
} from './ports.js';
export { MemoryCursorStore } from './memory-cursor-store.js';
export { StoredCursor, encodeCursor, decodeCursor } from './cursor-codec.js';
export { chainSort, isSelfTradePair } from './chain.js';
export { signedSize, isOwnLiquidation, isCounterpartyLiquidation, checkDir } from './fill-traits.js';
export { replay } from './replay/replay.js';
export type { ReplayOptions, ReplayStats } from './replay/replay.js';
export { fillFromRawEvent, RawEventLine, RawFillPayload } from './replay/normalize.js';
export { ndjsonInTimeOrder, readNdjsonRawEvents } from './replay/ndjson-source.js';
