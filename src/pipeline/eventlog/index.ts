/** The EventLog port and its file adapter (local mode). */
export * from './port.js';
export { FileEventLog } from './file-log.js';
export type { FileEventLogOptions } from './file-log.js';
export { Watermark, WatermarkStore } from './watermarks.js';
export type { WatermarkObservation, WatermarkStoreOptions } from './watermarks.js';
