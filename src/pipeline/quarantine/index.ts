/** Quarantine: reason codes with their flags, and the record that keeps the original bytes. */
export * from './reasons.js';
export * from './record.js';
