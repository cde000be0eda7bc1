/** The pipeline's composition root: runtime wiring, the connector runner, factories, the live summary. */
export * from './factories.js';
export * from './runner.js';
export * from './summary.js';
export * from './local.js';
export * from './reprocess.js';
