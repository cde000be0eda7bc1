/**
 * The status page of the real App in headless Chromium. Two egress pools on different loopback
 * IPs; pool ip-b may hold only three users, so the planner gives the fourth influencer a
 * market-stream secondary on its own ip-b socket while the other three get user-stream
 * listeners on both pools. That socket is then dropped with reconnects refused: its influencer
 * is left single-covered (primary live, secondary down) while the other three stay dual. The
 * page must show both coverage badges, the roles, kinds and states, and the screenshot lands in
 * test-artifacts/status-page-live.png for a human look.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { launchChromium } from '../obs/chromium.js';
import { until } from '../kit/index.js';

const SCREENSHOT = 'test-artifacts/status-page-live.png';
const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });

describe('status page of the running app in headless Chromium', () => {
  let browser: Browser | null = null;
  let app: App | null = null;
  let dir = '';

  beforeAll(async () => {
    browser = await launchChromium(); // installs chromium on first use (slow)
  }, 900_000);

  afterAll(async () => {
    app?.sim?.faults.acceptConnections();
    await app?.close(5000);
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows a dual and a single-covered influencer after one listener is cut off', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-status-live-'));
    app = new App({
      config: parseServiceConfig({
        source: { kind: 'simulator', simulator: { seed: 7, accounts: 4, tickMs: 40, port: 0 } },
        influencers: { source: 'simulator' },
        hyperliquid: {
          reconnect: { initialDelayMs: 100, maxDelayMs: 500, jitter: 0 },
          egressPools: [
            { name: 'ip-a', localAddress: '127.0.0.1' },
            { name: 'ip-b', localAddress: '127.0.0.2', limits: { users: 3 } },
          ],
        },
        sinks: { local: { dir: join(dir, 'out') }, spool: { dir: join(dir, 'spool') } },
        http: { port: 0 },
      }),
      logger,
    });
    await app.start();
    const { sim, manager } = app;
    if (!sim || !manager || !app.httpUrl || !browser) throw new Error('app not started');
    const describeStatus = (): string =>
      JSON.stringify(
        manager
          .status()
          .influencers.map((i) => [
            i.influencer,
            i.coverage,
            i.listeners.map((l) => [l.role, l.kind, l.state]),
          ]),
      );

    await until(
      () => {
        const s = manager.status();
        return s.influencers.length === 4 && s.influencers.every((i) => i.coverage === 'dual');
      },
      20_000,
      () => `every influencer dual: ${describeStatus()}`,
    );
    const cut = manager.status().influencers.find((i) => i.listeners.some((l) => l.kind === 'market-stream'));
    if (!cut) throw new Error(`expected one influencer with a market-stream listener: ${describeStatus()}`);
    const marketListener = cut.listeners.find((l) => l.kind === 'market-stream');
    const target = sim.connections().filter((c) => c.subscriptions.some((s) => s.type === 'trades'));
    expect(target).toHaveLength(1);

    // Cut it off: refuse new sockets (server-wide, but nothing else reconnects) and drop it.
    sim.faults.refuseConnections();
    expect(sim.faults.drop({ connId: (target[0] as { id: string }).id })).toBe(1);
    await until(
      () => {
        const s = manager.status();
        return s.influencers.every(
          (i) => i.coverage === (i.influencer === cut.influencer ? 'single' : 'dual'),
        );
      },
      20_000,
      () => `${cut.influencer} single, the rest dual: ${describeStatus()}`,
    );

    const page = await browser.newPage({ viewport: { width: 1360, height: 620 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.httpUrl}/status`, { waitUntil: 'domcontentloaded' });

    const single = page.locator(`tbody[data-influencer="${cut.influencer}"]`);
    await expect.poll(() => single.locator('.badge').textContent(), { timeout: 10_000 }).toBe('single');
    expect(await page.locator('#c-dual').textContent()).toBe('3');
    expect(await page.locator('#c-single').textContent()).toBe('1');
    expect(await page.locator('#c-dark').textContent()).toBe('0');
    expect(await page.locator('#c-total').textContent()).toBe('4');

    // The single one: a live user-stream listener and the market-stream one down, with roles.
    const singleText = (await single.innerText()).replace(/\s+/g, ' ');
    expect(singleText).toMatch(/primary user-stream subscribed/);
    expect(singleText).toMatch(new RegExp(`${marketListener?.role ?? 'secondary'} market-stream down`));
    expect(await single.locator('.state.s-bad').textContent()).toBe('down');
    expect(singleText).toContain('@ ip-b');
    expect(singleText).toContain('@ ip-a');

    // A dual one: both listeners user-stream and subscribed, one per pool.
    const dual = page
      .locator('tbody.inf')
      .filter({ has: page.locator('.badge.dual') })
      .first();
    expect(await dual.locator('.badge').textContent()).toBe('dual');
    const dualText = (await dual.innerText()).replace(/\s+/g, ' ');
    expect(dualText).toMatch(/primary user-stream subscribed/);
    expect(dualText).toMatch(/secondary user-stream subscribed/);
    expect(await dual.locator('.state.s-ok').count()).toBe(2);

    // Worst coverage first.
    const order = await page
      .locator('tbody.inf')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-influencer')));
    expect(order[0]).toBe(cut.influencer);
    expect(order).toHaveLength(4);

    expect(errors).toEqual([]);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  }, 90_000);
});
