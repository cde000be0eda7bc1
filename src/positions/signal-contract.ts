/**
 * Second, contract-only door of the positions folder (like ./adapters.ts for Redis): the Signal
 * zod schema, its key and header helpers and the human signal line, WITHOUT the engine, replay
 * or stores. Consumers of the topic (src/consumer, `ingest signals tail`) import from here so
 * they validate against the very schema that generates contracts/ while loading none of the
 * ingester's runtime stages. Everything here is also exported from ./index.ts.
 */
export {
  Signal,
  SignalAction,
  SignalSide,
  SignalMode,
  SignalQuality,
  SignalMetadata,
  ReconcileReason,
  RECONCILE_REASONS,
  SIGNAL_MODES,
  SIGNAL_SCHEMA_VERSION,
  SIGNAL_TOPIC,
  SIGNAL_CONTENT_TYPE,
  signalKey,
} from './signal.js';
export { POSITION_ACTIONS, POSITION_STATES } from './transitions.js';
export { signalLine } from './signal-line.js';
export type { SignalLineInput } from './signal-line.js';
