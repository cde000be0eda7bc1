// The raw-events queue's memory room follows the ClickHouse batch: rows keep coming while an
// insert of a whole batch runs, and a slow insert must fill memory, not the spool (or shed).
import { describe, expect, it } from 'vitest';
import { rawQueueRoom } from '../../src/app/raw-queue-room.js';
import { parseServiceConfig } from '../../src/config/index.js';

describe('rawQueueRoom', () => {
  it('holds four ClickHouse batches and spills past two, at the defaults', () => {
    const config = parseServiceConfig({ sinks: { clickhouse: { url: 'http://127.0.0.1:8123' } } });
    expect(config.sinks.clickhouse.batch.maxRows).toBe(5000);
    expect(rawQueueRoom(config)).toEqual({ maxMemoryRecords: 20_000, spillThreshold: 10_000 });
  });

  it('follows the batch size, and the spool settings when they are larger', () => {
    const small = parseServiceConfig({
      sinks: { clickhouse: { url: 'http://127.0.0.1:8123', batch: { maxRows: 500 } } },
    });
    expect(rawQueueRoom(small)).toEqual({ maxMemoryRecords: 10_000, spillThreshold: 5000 });
    const big = parseServiceConfig({
      sinks: {
        clickhouse: { url: 'http://127.0.0.1:8123', batch: { maxRows: 20_000 } },
        spool: { memoryRecords: 100_000 },
      },
    });
    expect(rawQueueRoom(big)).toEqual({ maxMemoryRecords: 100_000, spillThreshold: 40_000 });
  });

  it('is the spool settings when raw events go to the local file', () => {
    const config = parseServiceConfig({
      sinks: { spool: { memoryRecords: 7000, spillThresholdRecords: 3000 } },
    });
    expect(config.sinks.clickhouse.url).toBeUndefined();
    expect(rawQueueRoom(config)).toEqual({ maxMemoryRecords: 7000, spillThreshold: 3000 });
  });
});
