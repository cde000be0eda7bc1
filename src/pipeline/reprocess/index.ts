/** Reprocessing: rebuild silver from the bronze log for a window of received time. */
export { reprocess, REPROCESS_STAGES } from './reprocess.js';
export type { ReprocessOptions, ReprocessResult, ReprocessStage, ReprocessTarget } from './reprocess.js';
