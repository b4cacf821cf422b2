import { expect, test } from '@playwright/test';
import { CustomerListPage, DashboardPage, horizontalOverflow, hydrated, openMenu } from './pages';

test('the dashboard shows the demo population and its band chart', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open();
  await expect(dash.heading()).toHaveText('Dashboard');
  await expect(dash.customers()).toHaveText('2000');
  await expect(dash.chart().locator('svg')).toBeVisible();
  let sum = 0;
  for (let band = 1; band <= 8; band++) sum += await dash.bandCount(band);
  expect(sum).toBe(2000);
});

test('the page fits the screen without sideways scrolling', async ({ page }) => {
  for (const path of ['/', '/customers', '/customers/1', '/requests', '/import', '/account', '/audit', '/complaints', '/visits', '/reports', '/performance', '/gaps', '/calendar']) {
    await page.goto(path);
    const overflow = await horizontalOverflow(page);
    expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
  }
});

test('switching language reloads the page in the other language and is remembered', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open();
  await expect(dash.chart()).toContainText('Customers');
  await dash.languageSwitch().click();
  await expect(dash.heading()).toHaveText('概览');
  // The chart too (the server drew it in both languages).
  await expect(dash.chart()).toContainText('客户数');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh');
  await expect(page).toHaveURL(/\/$/);
  await page.reload();
  await expect(dash.heading()).toHaveText('概览');
  await hydrated(page);
  // After moving within the app, the switch comes back to the page shown.
  await openMenu(page);
  await page.getByRole('link', { name: '客户档案', exact: true }).click();
  await expect(page).toHaveURL(/\/customers$/);
  await dash.languageSwitch().click();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
});

test('filtering the customer list by band shows exactly that band', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open();
  const expected = await dash.bandCount(3);
  const list = new CustomerListPage(page);
  await list.open();
  expect(await list.total()).toBe(2000);
  await page.evaluate(() => ((window as any).__no_reload = true));
  await list.filterBand(3);
  await expect(page.getByTestId('customer-count')).toHaveAttribute('data-total', String(expected));
  const bands = await list.rows().evaluateAll((rows) => rows.map((r) => r.getAttribute('data-band')));
  expect(bands.length).toBe(Math.min(expected, 25));
  expect(new Set(bands)).toEqual(new Set(['3']));
  expect(await page.evaluate(() => (window as any).__no_reload)).toBe(true);
});

test('on a phone a customer in the list takes a few short lines, not a tall card', async ({ page }, info) => {
  test.skip(info.project.name !== 'phone', 'the phone layout');
  const list = new CustomerListPage(page);
  await list.open();
  const heights = await list.rows().evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height));
  expect(heights.length).toBe(25);
  // Name and tier; code, format, market, route, manager; volume, band, grade (each named):
  // three lines, four where English words are long, against the ten of a card.
  expect(Math.max(...heights)).toBeLessThanOrEqual(130);
  const first = list.rows().first();
  await expect(first.locator('td.labelled').first()).toBeVisible();
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
});

test('search finds a customer and opens its five information groups', async ({ page }) => {
  const list = new CustomerListPage(page);
  await list.open();
  await list.search('DEMO000042');
  await expect(page.getByTestId('customer-count')).toHaveAttribute('data-total', '1');
  await list.rows().first().getByRole('link').click();
  await expect(page).toHaveURL(/\/customers\/42$/);
  await expect(page.getByTestId('customer-code')).toHaveText('DEMO000042');
  for (const group of ['basic', 'network', 'management', 'business', 'personal']) {
    await expect(page.getByTestId(`group-${group}`)).toBeVisible();
  }
  await expect(page.getByTestId('policy-version')).toContainText(/version \d+/);
});

test('on a slow line, opening a customer shows progress until its page is in', async ({ page }) => {
  const list = new CustomerListPage(page);
  await list.open();
  await hydrated(page);
  // The customer page's code is fetched on first use; hold it back for a moment.
  await page.route(/\/pkg\/.*customer_route.*\.wasm$/, async (route) => {
    await new Promise((r) => setTimeout(r, 800));
    await route.continue();
  });
  await list.rows().first().getByRole('link').click();
  await expect(page.getByTestId('route-progress')).toBeVisible();
  await expect(page).toHaveURL(/\/customers\/\d+$/);
  await expect(page.getByTestId('customer-code')).toBeVisible();
  await expect(page.getByTestId('route-progress')).toHaveCount(0);
});

test('an unknown customer is a clear 404', async ({ page }) => {
  const response = await page.goto('/customers/999999');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('customer-not-found')).toBeVisible();
  await hydrated(page);
});
