import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { MANAGER_STATE, hydrated, signIn } from './pages';

// Every page, in both languages, is checked with axe-core (WCAG 2.1 A and AA rules): any
// serious or critical violation fails, named with the elements it was found on.
const STAFF_PAGES = [
  '/',
  '/customers',
  '/customers/1',
  '/lab',
  '/requests',
  '/import',
  '/audit',
  '/complaints',
  '/visits',
  '/reports',
  '/performance',
  '/gaps',
  '/calendar',
  '/account',
];
const PORTAL_PAGES = ['/my', '/my/profile', '/my/service'];
const LOCALES = ['zh-CN', 'en-US'];

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(' | ')}`);
}

async function context(browser: Browser, locale: string, signedIn: boolean) {
  return browser.newContext({
    locale,
    viewport: { width: 1280, height: 800 },
    storageState: signedIn ? MANAGER_STATE : { cookies: [], origins: [] },
  });
}

test.describe('accessibility', () => {
  test.skip(({ isMobile }) => isMobile, 'colours and names are the same on a phone; checked once');
  test.setTimeout(180_000);

  for (const locale of LOCALES) {
    test(`staff pages have no serious accessibility problems (${locale})`, async ({ browser }) => {
      const ctx = await context(browser, locale, true);
      const page = await ctx.newPage();
      const found: string[] = [];
      for (const path of STAFF_PAGES) {
        await page.goto(path);
        if (path !== '/account') await hydrated(page);
        await page.waitForLoadState('networkidle');
        for (const v of await violations(page)) found.push(`${path}: ${v}`);
      }
      expect(found, found.join('\n')).toEqual([]);
      await ctx.close();
    });

    test(`the sign-in page and the portal have no serious accessibility problems (${locale})`, async ({ browser }) => {
      const ctx = await context(browser, locale, false);
      const page = await ctx.newPage();
      const found: string[] = [];
      await page.goto('/login');
      for (const v of await violations(page)) found.push(`/login: ${v}`);
      await signIn(page, 'DEMO000001', undefined, '/my');
      await expect(page).toHaveURL(/\/my$/);
      for (const path of PORTAL_PAGES) {
        await page.goto(path);
        for (const v of await violations(page)) found.push(`${path}: ${v}`);
      }
      expect(found, found.join('\n')).toEqual([]);
      await ctx.close();
    });
  }
});
