import { describe } from 'vitest';
import { MemoryCursorStore } from '../../src/positions/index.js';
import { cursorStoreConformance } from './cursor-store-conformance.js';

let n = 0;
describe('MemoryCursorStore conformance', () => {
  cursorStoreConformance(
    () => new MemoryCursorStore(),
    () => `inf-${++n}`,
  );
});
