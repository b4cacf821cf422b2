import { expect, test, type Browser, type Page } from '@playwright/test';
import { signIn } from '../tests/pages';

// The customers' portal on a cheap phone: Chromium with 4× CPU slowdown, 1.6 Mbps down,
// 750 kbps up, 150 ms round trips, an empty cache. Budget (issue 6): ≤ 300 kB compressed
// transfer and largest contentful paint ≤ 2.5 s for the first load.

const PHONE = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, locale: 'zh-CN' };

async function throttled(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1024 * 1024) / 8,
    uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  // Bytes on the wire (compressed), per response.
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e) => (bytes += e.encodedDataLength));
  return () => bytes;
}

async function largestContentfulPaint(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          resolve(entries[entries.length - 1].startTime);
        }).observe({ type: 'largest-contentful-paint', buffered: true });
      }),
  );
}

async function firstLoad(browser: Browser, path: string, cookies: any[] = []) {
  const context = await browser.newContext(PHONE);
  await context.addCookies(cookies);
  const page = await context.newPage();
  const transferred = await throttled(page);
  await page.goto(path, { waitUntil: 'load' });
  const lcp = await largestContentfulPaint(page);
  const kb = transferred() / 1024;
  await context.close();
  return { kb, lcp };
}

test('customer portal: first-load transfer and largest contentful paint on a slow phone', async ({ browser }) => {
  // Sign in once, unthrottled, to get the session; the measured loads start with an empty cache.
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await signIn(page, 'DEMO000001');
  await expect(page).toHaveURL(/\/my$/);
  const cookies = await context.cookies();
  await context.close();

  const rows: string[] = [];
  let worst = { kb: 0, lcp: 0 };
  for (const path of ['/login', '/my', '/my/profile', '/my/service']) {
    const r = await firstLoad(browser, path, path === '/login' ? [] : cookies);
    rows.push(`${path} ${r.kb.toFixed(1)} kB, LCP ${Math.round(r.lcp)} ms`);
    worst = { kb: Math.max(worst.kb, r.kb), lcp: Math.max(worst.lcp, r.lcp) };
  }
  console.log(`PORTAL PERF (4x CPU, 1.6 Mbps, 150 ms RTT, cold cache): ${rows.join('; ')}`);
  expect(worst.kb, 'compressed transfer of a first load').toBeLessThanOrEqual(300);
  expect(worst.lcp, 'largest contentful paint').toBeLessThanOrEqual(2500);
});
