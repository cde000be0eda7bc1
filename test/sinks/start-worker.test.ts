import { describe, expect, it } from 'vitest';
import { SINK_WORKER_YOUNG_GENERATION_MB, startSinkWorker } from '../../src/sinks/threaded/start-worker.js';

describe('startSinkWorker', () => {
  it('gives the sink thread its small young generation (no mark-compact every 200 ms)', async () => {
    const worker = startSinkWorker();
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('online', resolve);
        worker.once('error', reject);
      });
      expect(SINK_WORKER_YOUNG_GENERATION_MB).toBeLessThan(16);
      expect(worker.resourceLimits?.maxYoungGenerationSizeMb).toBe(SINK_WORKER_YOUNG_GENERATION_MB);
    } finally {
      await worker.terminate();
    }
  });
});
