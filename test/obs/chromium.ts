/**
 * Headless Chromium for browser tests: installs Debian's `chromium` with apt-get when it is
 * missing (slow the first time: call from beforeAll with a generous timeout), then launches it
 * through playwright-core with flags that keep it quiet and offline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
/** Other helpers may hold the dpkg lock (installing redis, clickhouse): wait instead of failing. */
const APT_LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];

function apt(args: string[]): void {
  execFileSync('apt-get', [...APT_LOCK_WAIT, ...args], { env: APT_ENV, stdio: 'pipe', timeout: 900_000 });
}

/** Makes sure CHROMIUM_PATH exists, installing the Debian package if needed. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  try {
    apt(['install', '-y', '--no-install-recommends', 'chromium']);
  } catch {
    // Usually stale package lists: refresh once and retry.
    apt(['update']);
    apt(['install', '-y', '--no-install-recommends', 'chromium']);
  }
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`apt-get install chromium did not provide ${CHROMIUM_PATH}`);
  return CHROMIUM_PATH;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
