/**
 * Influencers: the record schema, the InfluencerSource port with file and static adapters,
 * diffs, `set key=value` patches, the Redis key layout and the live-reload watcher. The Redis
 * adapters (ioredis) are deliberately not exported here: the composition root and the CLI
 * import './redis-adapter.js' and './redis-store.js' directly.
 */
export {
  Influencer,
  InfluencerInput,
  InfluencerId,
  Coin,
  CONTENT_KEYS,
  META_KEYS,
  toInfluencer,
  canonicalJson,
  changedFields,
  fieldValue,
} from './model.js';
export { checkRecords, idOf, StaticInfluencerSource } from './source.js';
export type {
  InfluencerSource,
  InfluencerSnapshot,
  RejectedRecord,
  ChangeHint,
  ChangeReason,
} from './source.js';
export { FileInfluencerSource, parseInfluencerDocument, inputsToSnapshot } from './file-source.js';
export type { FileInfluencerSourceOptions } from './file-source.js';
export { diffInfluencers, formatDiff, isEmptyDiff } from './diff.js';
export type { InfluencerDiff, InfluencerChange } from './diff.js';
export { SETTABLE_KEYS, parseAssignments, applyAssignments } from './patch.js';
export { influencerKeys, RECORD_FIELD, AUDIT_MAXLEN } from './keys.js';
export type { InfluencerKeys, ChangeNotice } from './keys.js';
export { InfluencerWatcher } from './watcher.js';
export type {
  InfluencerWatcherEvents,
  InfluencerWatcherOptions,
  ReloadTrigger,
  SourceState,
} from './watcher.js';
