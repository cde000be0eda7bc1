/**
 * Reading an NDJSON file that a running service is still appending to. A line only counts once
 * its newline is written: a reader that parses the trailing partial line fails with "Unterminated
 * string in JSON" whenever it looks mid-append (seen in CI on the signal log).
 */
import { readFileSync } from 'node:fs';

/** The complete lines of `path`, parsed; a missing file is empty. */
export function readNdjson<T>(path: string): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  const out: T[] = [];
  for (const line of text.slice(0, end).split('\n')) if (line.trim() !== '') out.push(JSON.parse(line) as T);
  return out;
}
