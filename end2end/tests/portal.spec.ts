import { expect, test, type Browser, type Page } from '@playwright/test';
import { horizontalOverflow, hydrated, openMenu, phonePage, signIn } from './pages';

// The customers' self-service is for phones: these run in the phone project only (the manager's
// side runs in the same test, with the manager's stored session).
test.beforeEach(({}, info) => {
  test.skip(info.project.name !== 'phone', 'the portal is tested on the phone viewport');
});

const customerPage = (browser: Browser) => phonePage(browser);

/** Every request the page made for the wasm bundle. */
function wasmRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/pkg/') && !r.url().endsWith('.css')) seen.push(r.url());
  });
  return seen;
}

test('a manager prints an invite; the customer opens their account and sees their tier and why', async ({ page, browser }) => {
  await page.goto('/customers/7');
  await hydrated(page);
  const code = (await page.getByTestId('customer-code').textContent())!.trim();
  await page.getByTestId('invite-create').click();
  const invite = (await page.getByTestId('invite-code').textContent())!.trim();
  expect(invite).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  await expect(page.getByTestId('invite-letter')).toContainText(code);

  const shop = await customerPage(browser);
  const wasm = wasmRequests(shop);
  await shop.goto('/login');
  await shop.getByTestId('invite-link').click();
  await shop.getByLabel('Customer code').fill(code);
  await shop.getByLabel('Invite code').fill('WRNG-CODE-0000');
  await shop.getByTestId('invite-password').fill('my shop 2026');
  await shop.getByTestId('invite-confirm').fill('my shop 2026');
  await shop.getByTestId('invite-submit').click();
  await expect(shop.getByTestId('invite-error')).toContainText('does not work');
  await expect(shop.getByLabel('Customer code')).toHaveValue(code);
  await shop.getByLabel('Invite code').fill(invite.toLowerCase());
  await shop.getByTestId('invite-password').fill('my shop 2026');
  await shop.getByTestId('invite-confirm').fill('my shop 2026');
  await shop.getByTestId('invite-submit').click();

  await expect(shop).toHaveURL(/\/my$/);
  await expect(shop.getByTestId('my-band')).toContainText(/Band \d/);
  await expect(shop.getByTestId('my-grade')).toContainText(/Grade \d+/);
  await expect(shop.getByTestId('why-band')).toContainText('cases a month on average');
  await expect(shop.getByTestId('move-up')).toContainText(/band|top band/);
  await expect(shop.getByTestId('volume-chart').locator('svg')).toBeVisible();
  // Every publication so far (other tests publish too), the latest first.
  await expect(shop.getByTestId('tier-history').locator('li').first()).toContainText(/Band \d/);
  await expect(shop.getByTestId('history-chart').locator('svg circle').first()).toBeVisible();
  // Internal tiers stay internal.
  await expect(shop.getByTestId('my-tier')).toHaveCount(0);
  await expect(shop.getByTestId('my-value')).toHaveCount(0);
  expect(await horizontalOverflow(shop), 'fits a 360 px screen').toBeLessThanOrEqual(0);
  expect(wasm, 'the portal loads no wasm').toEqual([]);
  await shop.context().close();
});

test('a customer requests a change and sees it approved by a manager', async ({ page, browser }) => {
  const shop = await customerPage(browser);
  await signIn(shop, 'DEMO000001');
  await expect(shop).toHaveURL(/\/my$/);
  await openMenu(shop);
  await shop.getByRole('link', { name: 'My profile' }).click();
  const phone = `139${Date.now() % 100_000_000}`.padEnd(11, '0');
  await shop.getByTestId('request-field').selectOption('phone');
  await shop.getByTestId('request-value').fill(phone);
  await shop.getByTestId('request-reason').fill('new shop phone');
  await shop.getByTestId('request-submit').click();
  await expect(shop.getByTestId('request-sent')).toBeVisible();
  await expect(shop.locator('[data-testid="my-request"][data-status="pending"]').filter({ hasText: phone })).toBeVisible();

  await page.goto('/requests');
  await hydrated(page);
  const item = page.getByTestId('queue-item').filter({ hasText: phone });
  await expect(item).toContainText('new shop phone');
  await item.getByTestId('approve').click();
  await expect(page.locator('[data-testid="request-line"][data-status="approved"]').filter({ hasText: phone })).toBeVisible();

  await shop.reload();
  await expect(shop.locator('[data-testid="my-request"][data-status="approved"]').filter({ hasText: phone })).toBeVisible();
  await expect(shop.getByTestId('my-value-phone')).toContainText(phone);
  await shop.context().close();
});

test('a customer disputes their classification and reads the answer', async ({ page, browser }) => {
  const shop = await customerPage(browser);
  await signIn(shop, 'DEMO000001');
  const reason = `We sell more in winter ${Date.now()}`;
  await shop.getByTestId('dispute-reason').fill(reason);
  await shop.getByTestId('dispute-submit').click();
  await expect(shop.getByTestId('dispute-sent')).toBeVisible();
  await expect(shop.locator('[data-testid="dispute-line"][data-status="open"]').filter({ hasText: reason })).toBeVisible();

  await page.goto('/requests');
  await hydrated(page);
  const item = page.getByTestId('dispute-item').filter({ hasText: reason });
  await item.getByTestId('dispute-answer-submit').click();
  await expect(item.getByRole('alert')).toContainText('Write an answer');
  await item.getByTestId('dispute-answer-text').fill('Your 3-month average is below the band line.');
  await item.getByTestId('dispute-answer-submit').click();
  await expect(page.locator('[data-testid="dispute-line"][data-status="upheld"]').filter({ hasText: reason })).toBeVisible();

  await shop.reload();
  const line = shop.getByTestId('dispute-line').filter({ hasText: reason });
  await expect(line).toHaveAttribute('data-status', 'upheld');
  await expect(line.getByTestId('dispute-answer')).toContainText('below the band line');
  await shop.context().close();
});

test('a customer rates a visit once and files a complaint with its deadline', async ({ browser }) => {
  const shop = await customerPage(browser);
  await signIn(shop, 'DEMO000001', undefined, '/my/service');
  await expect(shop.getByTestId('my-manager')).toBeVisible();
  const visit = shop.getByTestId('my-visit').filter({ has: shop.getByTestId('rate-open') }).first();
  const id = await visit.getAttribute('data-visit');
  await visit.getByTestId('rate-open').click();
  await visit.getByText('4', { exact: true }).click();
  await visit.getByTestId('rate-comment').fill('came on time');
  await visit.getByTestId('rate-submit').click();
  await expect(shop.getByTestId('rated')).toBeVisible();
  const rated = shop.locator(`[data-testid="my-visit"][data-visit="${id}"]`);
  await expect(rated.getByTestId('visit-rating')).toContainText('4 of 5');
  await expect(rated.getByTestId('rate-open')).toHaveCount(0);

  const subject = `Late delivery ${Date.now()}`;
  await shop.getByTestId('complaint-subject').fill(subject);
  await shop.getByTestId('complaint-description').fill('The order came two days late.');
  await shop.getByTestId('complaint-submit').click();
  await expect(shop.getByTestId('complaint-sent')).toBeVisible();
  const complaint = shop.getByTestId('complaint-line').filter({ hasText: subject });
  await expect(complaint.getByTestId('complaint-due')).toContainText(/To be handled by \d{4}-\d\d-\d\d \d\d:\d\d/);
  await expect(complaint.locator('ol.steps li')).toHaveCount(4);
  await expect(complaint.locator('ol.steps li.done')).toHaveCount(1);
  expect(await horizontalOverflow(shop)).toBeLessThanOrEqual(0);
  await shop.context().close();
});

test("a customer cannot open another customer's page or data", async ({ browser }) => {
  const shop = await customerPage(browser);
  await signIn(shop, 'DEMO000001');
  for (const path of ['/customers/2', '/customers', '/lab', '/']) {
    const resp = await shop.goto(path);
    if (path === '/') {
      await expect(shop).toHaveURL(/\/my$/);
    } else {
      expect(resp?.status(), path).toBe(403);
      // The refusal leads back to the customer's own portal, not to a staff page.
      await expect(shop.getByTestId('forbidden').getByRole('link')).toHaveAttribute('href', '/my');
    }
  }
  const api = await shop.evaluate(async () => {
    const post = (url: string, body: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }).then((r) => r.status);
    return {
      customer: await post('/api/customer', 'id=2'),
      history: await post('/api/customer_history', 'id=2'),
      snapshot: (await fetch('/api/snapshot')).status,
      csv: (await fetch('/export/customers.csv')).status,
    };
  });
  expect(api).toEqual({ customer: 403, history: 403, snapshot: 403, csv: 403 });
  await shop.context().close();
});

test('the portal switches language without script', async ({ browser }) => {
  const shop = await customerPage(browser);
  await signIn(shop, 'DEMO000001');
  await shop.getByTestId('lang-switch').click();
  await expect(shop).toHaveURL(/\/my$/);
  await openMenu(shop);
  await expect(shop.getByRole('link', { name: '我的档位' })).toBeVisible();
  await expect(shop.getByTestId('why-band')).toContainText('平均每月进货');
  await shop.getByTestId('lang-switch').click();
  await openMenu(shop);
  await expect(shop.getByRole('link', { name: 'My tier' })).toBeVisible();
  await shop.context().close();
});
