/** The pipeline core: assembly (normalize → map → encode → validate) and the batched writer. */
export * from './events.js';
export * from './assemble.js';
export * from './pipeline.js';
export * from './bronze.js';
