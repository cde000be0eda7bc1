/**
 * The status page in a real browser: served by ObsServer from a fake StatusProvider that starts
 * with two dual-covered influencers, then a fault takes one of bob's listeners down. The page
 * must pick that up on its own (live refresh) and show both coverage badges, roles and states.
 * Leaves a screenshot in test-artifacts/status-page.png for a human look.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Metrics, ObsServer } from '../../src/obs/index.js';
import type { StatusSnapshot } from '../../src/obs/index.js';
import { launchChromium } from './chromium.js';
import { sampleStatus } from './fixtures.js';

const SCREENSHOT = 'test-artifacts/status-page.png';

/** Both influencers healthy: what the page shows before the fault. */
function beforeFault(now: number): StatusSnapshot {
  const s = sampleStatus(now);
  return {
    ...s,
    coverage: { dual: 2, single: 0, dark: 0 },
    influencers: s.influencers.map((inf) => ({
      ...inf,
      coverage: 'dual',
      failovers: 0,
      lastFailoverReason: null,
      listeners: inf.listeners.map((l) => ({
        ...l,
        state: 'live',
        healthy: true,
        lagMs: 50,
        lastEventAt: now - 900,
      })),
    })),
  };
}

describe('status page in headless Chromium', () => {
  let browser: Browser;
  let server: ObsServer;
  let faulted = false;

  beforeAll(async () => {
    browser = await launchChromium();
    server = new ObsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: new Metrics({ collectDefaultMetrics: false }),
      status: { status: () => (faulted ? sampleStatus(Date.now()) : beforeFault(Date.now())) },
    });
    await server.start();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows dual and single coverage, roles and states, and follows a fault live', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 560 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/status`, { waitUntil: 'domcontentloaded' });

    const bob = page.locator('tbody[data-influencer="bob"]');
    await expect.poll(() => bob.locator('.badge').textContent(), { timeout: 10_000 }).toBe('dual');
    expect(await page.locator('#c-dual').textContent()).toBe('2');

    faulted = true; // bob's secondary drops; fan-in fails over; coverage becomes single
    await expect.poll(() => bob.locator('.badge').textContent(), { timeout: 10_000 }).toBe('single');

    const alice = page.locator('tbody[data-influencer="alice"]');
    expect(await alice.locator('.badge').textContent()).toBe('dual');
    expect(await page.locator('#c-dual').textContent()).toBe('1');
    expect(await page.locator('#c-single').textContent()).toBe('1');
    expect(await page.locator('#c-dark').textContent()).toBe('0');

    const bobText = (await bob.innerText()).replace(/\s+/g, ' ');
    for (const s of ['primary', 'secondary', 'market-stream', 'user-stream', 'live', 'reconnecting', '3']) {
      expect(bobText).toContain(s);
    }
    expect(bobText).toMatch(/7\.4 s/); // secondary's lag
    expect(bobText).toMatch(/1\.6 min ago|95\.0 s ago/); // its last event
    const aliceText = (await alice.innerText()).replace(/\s+/g, ' ');
    expect(aliceText).toMatch(/primary user-stream live 42 ms/);
    expect(aliceText).toMatch(/secondary market-stream live 57 ms/);

    // Worst coverage first: the single-covered influencer is listed above the dual one.
    const order = await page
      .locator('tbody.inf')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-influencer')));
    expect(order).toEqual(['bob', 'alice']);
    // Unhealthy state is drawn differently from a healthy one.
    expect(await bob.locator('.state.s-warn').textContent()).toBe('reconnecting');

    // The filter narrows the list without waiting for the next refresh.
    await page.fill('#filter', 'alice');
    expect(await page.locator('tbody.inf').count()).toBe(1);
    await page.fill('#filter', '');

    expect(errors).toEqual([]);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  });

  it('shows a stale banner when the status endpoint fails, and recovers', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/status`);
    await expect.poll(() => page.locator('#dot').getAttribute('class'), { timeout: 10_000 }).toBe('dot on');
    await page.route('**/status.json', (route) =>
      route.fulfill({ status: 503, body: '{"error":"no status provider wired"}' }),
    );
    await expect.poll(() => page.locator('#error').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('#error').textContent()).toContain('HTTP 503');
    expect(await page.locator('tbody.inf').count()).toBe(2); // last good data stays on screen
    await page.unroute('**/status.json');
    await expect.poll(() => page.locator('#error').isVisible(), { timeout: 10_000 }).toBe(false);
    await page.close();
  });
});
