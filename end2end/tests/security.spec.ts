import { expect, test, type Page } from '@playwright/test';
import { hydrated } from './pages';

// Markup a person could type as a shop name, a complaint, a visit note…
const PLANTED = '</title><img src=x onerror=alert(1)>"\'><svg onload=alert(2)>';

/** Collects what must never happen on a kehu page: a dialog opened by planted script, a
 * content-security-policy violation (an inline script or style the policy does not allow). */
async function watch(page: Page): Promise<{ dialogs: string[]; violations: string[] }> {
  const seen = { dialogs: [] as string[], violations: [] as string[] };
  page.on('dialog', async (d) => {
    seen.dialogs.push(d.message());
    await d.dismiss();
  });
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) seen.violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return seen;
}

test('a shop name with markup is shown as text in the title and the page, and runs nothing', async ({ page }) => {
  const seen = await watch(page);
  // Planted through an import, as a file from anywhere would.
  const code = 'DEMO001999';
  const csv = `code,shop_name\n${code},"${PLANTED.replace(/"/g, '""')}"\n`;
  const answer = await page.request.post('/import/customers', { data: csv, headers: { 'content-type': 'text/csv' } });
  expect(answer.ok()).toBeTruthy();
  expect((await answer.json()).committed).toBe(true);

  await page.goto(`/customers?q=${code}`);
  await hydrated(page);
  await page.getByTestId('customer-row').first().getByRole('link').first().click();
  await expect(page.getByTestId('customer-code')).toHaveText(code);
  await hydrated(page);
  await expect(page.getByTestId('customer-name')).toHaveText(PLANTED);
  expect(await page.title()).toContain('<img src=x onerror=alert(1)>');
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await expect(page.locator('main svg[onload]')).toHaveCount(0);
  // Opened directly too (the server's rendering, then hydration).
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('customer-name')).toHaveText(PLANTED);
  expect(seen.dialogs).toEqual([]);
  expect(seen.violations).toEqual([]);
});

test('the pages and the lab hydrate under the content security policy', async ({ page }) => {
  const seen = await watch(page);
  for (const path of ['/', '/customers', '/visits', '/complaints', '/lab']) {
    const resp = await page.goto(path);
    const policy = resp!.headers()['content-security-policy'] ?? '';
    expect(policy, path).toContain("frame-ancestors 'none'");
    expect(policy, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}'/);
    await hydrated(page);
  }
  // The lab's engine runs: its wasm chunk compiled under 'wasm-unsafe-eval'.
  await expect(page.getByTestId('recompute-stats')).toBeVisible({ timeout: 20_000 });
  expect(seen.violations).toEqual([]);
});
