/**
 * The retention cut shared by the adapters: the offset below which a partition's records may be
 * deleted under a RetentionPolicy. Every backend deletes a prefix, so offsets stay stable and a
 * reader resuming from an old offset simply starts at the first one left. Size is counted in
 * payload bytes, the one measure every backend can see the same way.
 */
import type { EventLog, RetentionPolicy } from './port.js';

const SCAN_BATCH = 4096;

/** The first offset to keep; the caller deletes everything before it (never past endOffset). */
export async function retentionCutoff(
  log: Pick<EventLog, 'read' | 'offsetForTime' | 'startOffset' | 'endOffset'>,
  partition: string,
  policy: RetentionPolicy,
  nowMs: number,
): Promise<number> {
  const start = await log.startOffset(partition);
  let cut = start;
  if (policy.maxAgeMs !== undefined) {
    cut = Math.max(cut, await log.offsetForTime(partition, nowMs - policy.maxAgeMs));
  }
  if (policy.maxBytes !== undefined) {
    // Sizes oldest → newest, then walk back from the newest until the budget is spent.
    const sizes: { offset: number; bytes: number }[] = [];
    for (let from = start; ;) {
      const batch = await log.read(partition, { fromOffset: from, maxRecords: SCAN_BATCH });
      if (batch.length === 0) break;
      for (const r of batch) sizes.push({ offset: r.offset, bytes: r.bytes.length });
      from = (batch[batch.length - 1]?.offset ?? from) + 1;
    }
    let total = 0;
    let keepFrom = await log.endOffset(partition);
    for (let i = sizes.length - 1; i >= 0; i--) {
      const s = sizes[i] as { offset: number; bytes: number };
      if (total + s.bytes > policy.maxBytes) break;
      total += s.bytes;
      keepFrom = s.offset;
    }
    cut = Math.max(cut, keepFrom);
  }
  return cut;
}
