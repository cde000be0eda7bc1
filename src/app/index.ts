/** The composition root: builds and runs the pipeline from a ServiceConfig. */
export { App } from './app.js';
export type { AppOptions, HandoffSeam } from './app.js';
export { signalLine } from '../positions/index.js';
export { toSinkRecord } from './signal-record.js';
