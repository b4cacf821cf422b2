import { expect, type Browser, type Locator, type Page } from '@playwright/test';

/** The demo accounts' password (README, "Demo accounts"); demo data only. */
export const DEMO_PASSWORD = 'kehu-demo';
/** Where the setup project keeps the manager's signed-in browser state. */
export const MANAGER_STATE = 'test-results/.auth/manager.json';

/** Signs in through the sign-in page, as a person would. */
export async function signIn(page: Page, username: string, password = DEMO_PASSWORD, next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/** How many pixels the page is wider than the screen (a phone browser zooms out to fit, so
 * `window.innerWidth` grows with the page: compare with the viewport instead). */
export async function horizontalOverflow(page: Page): Promise<number> {
  const width = page.viewportSize()!.width;
  return (await page.evaluate(() => document.documentElement.scrollWidth)) - width;
}

/** Opens the header's menu where it is folded (a phone); on a wide screen the links stand in
 * the header and there is nothing to open. */
export async function openMenu(page: Page) {
  const button = page.getByTestId('menu-button');
  if (!(await button.isVisible())) return;
  const open = await page.locator('details.menu').evaluate((d) => (d as HTMLDetailsElement).open);
  if (!open) await button.click();
}

/** Waits until the wasm bundle has hydrated the page (the app marks `<body data-hydrated>`). */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
  // The app marks the body if the wasm panicked (e.g. a hydration mismatch).
  await expect(page.locator('body[data-panicked]')).toHaveCount(0);
}

export class Frame {
  constructor(readonly page: Page) {}
  languageSwitch(): Locator {
    return this.page.getByTestId('lang-switch');
  }
  heading(): Locator {
    return this.page.getByRole('heading', { level: 1 });
  }
}

export class DashboardPage extends Frame {
  async open() {
    await this.page.goto('/');
    await hydrated(this.page);
  }
  customers(): Locator {
    return this.page.getByTestId('stat-customers');
  }
  chart(): Locator {
    return this.page.getByTestId('band-chart');
  }
  /** Customers in a band, read from the table under the chart. */
  async bandCount(band: number): Promise<number> {
    const cell = this.page.locator('details table tbody tr').nth(band - 1).locator('td');
    return Number(await cell.textContent());
  }
}

export class CustomerListPage extends Frame {
  async open(query = '') {
    await this.page.goto(`/customers${query}`);
    await hydrated(this.page);
  }
  rows(): Locator {
    return this.page.getByTestId('customer-row');
  }
  async total(): Promise<number> {
    return Number(await this.page.getByTestId('customer-count').getAttribute('data-total'));
  }
  async filterBand(band: number) {
    await this.page.getByTestId('filter-band').selectOption(String(band));
    await this.page.getByTestId('filter-apply').click();
    await expect(this.page).toHaveURL(new RegExp(`band=${band}`));
  }
  async search(text: string) {
    await this.page.getByTestId('filter-q').fill(text);
    await this.page.getByTestId('filter-q').press('Enter');
  }
}

/** A fresh phone browser (360 × 640, touch) with nobody signed in. */
export async function phonePage(browser: Browser, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({
    storageState: { cookies: [], origins: [] },
    viewport: { width: 360, height: 640 },
    isMobile: true,
    hasTouch: true,
    locale,
  });
  return context.newPage();
}
