import { expect, test } from '@playwright/test';
import { hydrated, openMenu, signIn } from './pages';

// These tests start signed out.
test.use({ storageState: { cookies: [], origins: [] } });

test('a signed-out visitor signs in and lands where they were going', async ({ page }) => {
  await page.goto('/lab');
  await expect(page).toHaveURL(/\/login\?next=%2Flab$/);
  await page.getByTestId('login-username').fill('manager');
  await page.getByTestId('login-password').fill('not the password');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('login-error')).toHaveText('The user name or password is wrong.');
  // The name is kept; only the password is typed again.
  await expect(page.getByTestId('login-username')).toHaveValue('manager');
  await page.getByTestId('login-password').fill('kehu-demo');
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/lab$/);
  await hydrated(page);
  await expect(page.getByTestId('recompute-stats')).toBeVisible();
});

test('a customer manager has no lab: no link, a 403 page, and no snapshot', async ({ page }) => {
  await signIn(page, 'cm01');
  // A customer manager's day starts at the visit plan.
  await expect(page).toHaveURL(/\/visits$/);
  await hydrated(page);
  await openMenu(page);
  await expect(page.getByRole('link', { name: 'Customers', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'What-if lab' })).toHaveCount(0);
  const lab = await page.goto('/lab');
  expect(lab?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByTestId('recompute-stats')).toHaveCount(0);
  const snapshot = await page.evaluate(async () => (await fetch('/api/snapshot')).status);
  expect(snapshot).toBe(403);
  // Their list holds only the customers on their own routes.
  await page.goto('/customers');
  const total = Number(await page.getByTestId('customer-count').getAttribute('data-total'));
  expect(total).toBeGreaterThan(0);
  expect(total).toBeLessThan(2000);
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page, 'officer');
  await hydrated(page);
  await openMenu(page);
  await expect(page.getByTestId('user-name')).toBeVisible();
  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  await expect(page.getByTestId('signed-out-notice')).toBeVisible();
  await page.goto('/customers');
  await expect(page).toHaveURL(/\/login\?next=%2Fcustomers$/);
});

test('the sign-in page speaks Chinese to a Chinese browser', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('登录');
  await expect(page.getByLabel('用户名')).toBeVisible();
  await expect(page.getByLabel('密码')).toBeVisible();
  await context.close();
});
