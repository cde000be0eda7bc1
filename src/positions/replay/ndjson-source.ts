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
