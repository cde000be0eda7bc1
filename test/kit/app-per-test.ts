/**
 * Per test: a fresh temp dir and the App under test, closed and the dir removed after each test,
 * also when the test failed. For tests that run the App on the embedded simulator with local
 * sinks (no harness services); `startAppStack` (./stack.ts) is the integration counterpart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { App } from '../../src/app/index.js';

export interface AppPerTest {
  /** This test's temp dir (created on first call). */
  dir(): string;
  /** The App under test, closed (5 s budget) after the test. */
  track<T extends App>(app: T): T;
}

export function appPerTest(prefix: string): AppPerTest {
  let dir = '';
  let app: App | null = null;
  afterEach(async () => {
    await app?.close(5000);
    app = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });
  return {
    dir() {
      dir ||= mkdtempSync(join(tmpdir(), prefix));
      return dir;
    },
    track(a) {
      app = a;
      return a;
    },
  };
}
