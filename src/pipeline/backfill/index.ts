export * from './range.js';
