/** Validation stages (M0 §7): time bounds, source sanity, outliers, cross-source divergence. */
export * from './time-bounds.js';
export * from './sanity.js';
export * from './outliers.js';
export * from './divergence.js';
export * from './validator.js';
