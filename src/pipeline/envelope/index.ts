/** The NormalizedEvent v1 envelope: payload layouts, fixed point, codecs, event ids, flags. */
export * from './flags.js';
export { ByteReader, ByteWriter } from './bytes.js';
export * from './fixed-point.js';
export * from './layouts.js';
export * from './payload-codec.js';
export * from './envelope.js';
export * from './envelope-codec.js';
export * from './event-id.js';
export * from './compat.js';
export * from './contract-files.js';
