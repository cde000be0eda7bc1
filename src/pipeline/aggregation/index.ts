/** Aggregation (issue #16, M0 aggregation spec): window alignment, window keys, tick-window bars. */
export * from './windows.js';
export * from './engine.js';
