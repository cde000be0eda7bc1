/**
 * Guards the rule "no sleeps as synchronisation" (developers' guide): scans every test file
 * outside test/harness and test/kit for a timed wait (a resolve-on-timer promise, a `sleep(n)` /
 * `delay(n)` / `wait(n)` call, `timers/promises`) and fails listing file:line. A line may stay
 * only if it says why it is not synchronisation: `// not synchronisation: <why>`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['harness', 'kit']);
const EXEMPT = /\/\/ not synchronisation: \S/;

/** What counts as a timed wait on one line of source. */
const PATTERNS: readonly [RegExp, string][] = [
  [/new Promise\b.*\bsetTimeout\(/, 'a promise resolved by a timer'],
  [/\bsetTimeout\(\s*(?:r|res|resolve|done|wake)\s*,/, 'a promise resolved by a timer'],
  [/\b(?:sleep|delay|wait|pause|nap)\(\s*[\d(]/, 'a fixed sleep'],
  [/\.sleep\(\s*[\dA-Z_(]/, 'a fixed sleep'],
  [/from ['"](?:node:)?timers\/promises['"]/, 'timers/promises (a timed wait)'],
];

/** The timed waits in `source`, as `line: what` (1-based), minus the exempted lines. */
export function timedWaits(source: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((line, i) => {
    if (EXEMPT.test(line) || /^\s*(?:\*|\/\/)/.test(line)) return;
    const hit = PATTERNS.find(([re]) => re.test(line));
    if (hit) out.push(`${i + 1}: ${hit[1]}: ${line.trim()}`);
  });
  return out;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return dir === TEST_DIR && SKIP.has(e.name) ? [] : testFiles(p);
    return /\.(?:ts|mts|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

describe('no sleeps as synchronisation', () => {
  it('recognises each kind of timed wait, and the exemption', () => {
    const planted = [
      'await new Promise((r) => setTimeout(r, 1500));',
      'await new Promise<void>((resolve) =>',
      '  setTimeout(resolve, 20),',
      'await sleep(4000);',
      'await s.sleep(2 * FLOOR_MS);',
      'await delay(100);',
      "import { setTimeout as sleep } from 'node:timers/promises';",
      'await new Promise((r) => setTimeout(r, 5)); // not synchronisation: the poll step of a wait',
      'const timer = setTimeout(() => reject(new Error("timed out")), ms);',
      'await until(() => done, 5000);',
    ].join('\n');
    expect(timedWaits(planted).map((l) => Number(l.split(':')[0]))).toEqual([1, 3, 4, 5, 6, 7]);
  });

  it('finds none in test/ outside the harness and the kit', () => {
    const files = testFiles(TEST_DIR);
    expect(files.length).toBeGreaterThan(100); // the scan really walked the tree
    const found = files.flatMap((f) =>
      timedWaits(readFileSync(f, 'utf8')).map((l) => `${relative(TEST_DIR, f)}:${l}`),
    );
    expect(found).toEqual([]);
  });
});
