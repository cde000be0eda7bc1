// The local file log output runs the shared AggregationOutput cases: each case gets its own
// directory, and reads the log's partitions back (`<topic>|<market>`) as a consumer would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGGREGATION_TOPICS, FileAggregationOutput } from '../../../src/pipeline/aggregation/index.js';
import { FileEventLog } from '../../../src/pipeline/eventlog/index.js';
import type { EventLog } from '../../../src/pipeline/eventlog/index.js';
import { aggregationOutputConformance, readBar } from './output-conformance.js';

async function values(log: EventLog, topic: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const p of await log.partitions()) {
    if (!p.startsWith(`${topic}|`)) continue;
    for (let from = 0; ;) {
      const rs = await log.read(p, { fromOffset: from });
      if (rs.length === 0) break;
      for (const r of rs)
        out.push(JSON.parse(Buffer.from(r.bytes).toString('utf8')) as Record<string, unknown>);
      from = (rs.at(-1)?.offset ?? from) + 1;
    }
  }
  return out;
}

aggregationOutputConformance({
  name: 'FileAggregationOutput',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'agg-out-'));
    const options = { dir, segmentBytes: 1 << 20, indexIntervalRecords: 16, fsync: 'flush' as const };
    const output = new FileAggregationOutput(FileEventLog.open(options));
    return {
      output,
      async read() {
        // A second instance over the same directory: what is on disk, not the writer's memory.
        const log = FileEventLog.open(options);
        try {
          const vectors = await values(log, AGGREGATION_TOPICS.vectors);
          const bars = await values(log, AGGREGATION_TOPICS.bars);
          return {
            vectorHex: vectors.map((v) => String(v['vector_hex'])),
            bars: bars.map(readBar),
          };
        } finally {
          await log.close();
        }
      },
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});
