/**
 * RawEventSource over an NDJSON file (one RawEvent per line). Lines that are not valid JSON
 * or not RawEvent-shaped are reported through `onInvalid` with their line number and skipped,
 * so one damaged line never aborts a replay.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RawEvent } from '../../core/index.js';
import { formatIssues } from '../../core/index.js';
import { RawEventLine } from './normalize.js';

export async function* readNdjsonRawEvents(
  path: string,
  onInvalid?: (line: number, reason: string) => void,
): AsyncGenerator<RawEvent> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      onInvalid?.(n, 'invalid JSON');
      continue;
    }
    const r = RawEventLine.safeParse(json);
    if (!r.success) {
      onInvalid?.(n, formatIssues(r.error).join('; '));
      continue;
    }
    yield r.data;
  }
}

const EVENT_TIME = /"eventTime"\s*:\s*(\d+)/;
const FILL_TYPE = /"eventType"\s*:\s*"fill"/;

/**
 * First pass over a file, in constant memory: are its fill events in non-decreasing event
 * time? Then the replay can stream it. Lines it cannot read are left to the replay to report.
 */
export async function ndjsonInTimeOrder(path: string): Promise<boolean> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let last = -Infinity;
  try {
    for await (const line of rl) {
      if (!FILL_TYPE.test(line)) continue;
      const m = EVENT_TIME.exec(line);
      if (!m) continue;
      const t = Number(m[1]);
      if (t < last) return false;
      last = t;
    }
    return true;
  } finally {
    rl.close();
    input.destroy();
  }
}
