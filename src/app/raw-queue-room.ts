/**
 * How much the raw-events queue holds in memory before it spills to the spool, and before it
 * waits (or sheds). A ClickHouse insert takes a whole batch (up to `batch.maxRows`) and rows
 * keep coming while it runs: at 2 000 signals/s both listeners' copies are about 7 000 raw
 * events a second, so an insert slowed to 1.5 s (the first ones after a start under load are,
 * with a cold JIT and every process busy) leaves 10 000 waiting. With the spool's general
 * figures (spill past 5 000, full at 10 000) that spilled in the warm-up of every e2e bench
 * run and shed a raw event in four of seven, while the spool writer caught up. So the queue
 * keeps room for four batches and spills past two; the spool settings win when larger.
 */
import type { ServiceConfig } from '../config/index.js';

export interface QueueRoom {
  readonly maxMemoryRecords: number;
  readonly spillThreshold: number;
}

export function rawQueueRoom(config: ServiceConfig): QueueRoom {
  const spool = config.sinks.spool;
  const base = { maxMemoryRecords: spool.memoryRecords, spillThreshold: spool.spillThresholdRecords };
  if (config.sinks.clickhouse.url === undefined) return base;
  const rows = config.sinks.clickhouse.batch.maxRows;
  return {
    maxMemoryRecords: Math.max(base.maxMemoryRecords, 4 * rows),
    spillThreshold: Math.max(base.spillThreshold, 2 * rows),
  };
}
