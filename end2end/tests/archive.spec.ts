import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { CustomerListPage, MANAGER_STATE, hydrated, signIn } from './pages';

test('the filtered list downloads as a CSV that Excel opens as UTF-8', async ({ page }) => {
  const list = new CustomerListPage(page);
  await list.open('?band=3');
  const total = await list.total();
  expect(total).toBeGreaterThan(0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-csv').click(),
  ]);
  expect(download.suggestedFilename()).toBe('kehu-customers.csv');
  const bytes = readFileSync(await download.path());
  // The byte-order mark tells Excel the file is UTF-8 (Chinese names stay readable).
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString('utf8').trim().split('\n');
  expect(lines[0].startsWith('code,shop_name,')).toBe(true);
  expect(lines.length - 1).toBe(total);
});

test('an owner edits a field in place; the change shows in the history', async ({ page }, info) => {
  // Both projects run against one database: a value of their own keeps each edit a real change.
  const value = `王话务 0571-1234 ${info.project.name}`;
  // The manager owns the phone clerk field (domain §2).
  await page.goto('/customers/11');
  await hydrated(page);
  const before = Number(await page.getByTestId('record-version').getAttribute('data-version'));
  await page.getByTestId('edit-phone_clerk').click();
  const input = page.getByTestId('value-phone_clerk').getByTestId('edit-input');
  await input.fill(value);
  await input.press('Enter');
  await expect(page.getByTestId('value-phone_clerk')).toContainText(value);
  await expect(page.getByTestId('record-version')).toHaveAttribute('data-version', String(before + 1));
  await expect(page.locator('[data-testid="history-row"][data-field="phone_clerk"]').first()).toContainText(value);
  await expect(page.locator('body[data-panicked]')).toHaveCount(0);
  // The overall audit trail has it too, with the customer.
  await page.goto('/audit?action=field.');
  await hydrated(page);
  await expect(page.locator('[data-testid="audit-row"][data-action="field.edit"]').filter({ hasText: value })).toBeVisible();
  // The action in words, not its code.
  await expect(page.locator('[data-testid="audit-row"][data-action="field.edit"]').filter({ hasText: value }).first()).toContainText('Edited');
  await expect(page.getByTestId('audit-table')).not.toContainText('field.edit');
});

test('two people editing the same customer: the second is told, nothing is overwritten', async ({
  page,
  browser,
}, info) => {
  const first = `first ${info.project.name}`;
  await page.goto('/customers/12');
  await hydrated(page);
  const other = await browser.newContext({ storageState: MANAGER_STATE });
  const second = await other.newPage();
  await second.goto('/customers/12');
  await hydrated(second);

  await page.getByTestId('edit-phone_clerk').click();
  await page.getByTestId('value-phone_clerk').getByTestId('edit-input').fill(first);
  await page.getByTestId('save-phone_clerk').click();
  await expect(page.getByTestId('value-phone_clerk')).toContainText(first);

  await second.getByTestId('edit-phone_clerk').click();
  await second.getByTestId('value-phone_clerk').getByTestId('edit-input').fill('second');
  await second.getByTestId('save-phone_clerk').click();
  await expect(second.getByTestId('edit-error-phone_clerk')).toContainText('Someone else changed this customer');
  await second.getByTestId('reload').click();
  await hydrated(second);
  await expect(second.getByTestId('value-phone_clerk')).toContainText(first);
  await other.close();
});

test('a change request is filed by a customer manager and approved by a manager', async ({ page, browser }, info) => {
  // cm01 does not own the licence number: they ask for it to change.
  const cm = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const cmPage = await cm.newPage();
  await signIn(cmPage, 'cm01', undefined, '/customers');
  await cmPage.getByTestId('customer-row').first().getByRole('link').first().click();
  // The customer page's code is fetched on the first visit: the address changes once it is in.
  await cmPage.waitForURL(/\/customers\/\d+$/);
  await hydrated(cmPage);
  const customerUrl = cmPage.url();
  const value = `LIC-${info.project.name}-${Date.now()}`;
  await expect(cmPage.getByTestId('edit-licence_no')).toHaveCount(0);
  await cmPage.getByTestId('request-licence_no').click();
  await cmPage.getByTestId('request-form-licence_no').getByTestId('edit-input').fill(value);
  await cmPage.getByTestId('request-reason').fill('licence renewed 2026-11');
  await cmPage.getByTestId('send-request-licence_no').click();
  await expect(cmPage.getByTestId('filed-licence_no')).toBeVisible();
  await expect(cmPage.locator('[data-testid="request-line"][data-status="pending"]').first()).toContainText(value);
  await cm.close();

  // The manager's queue shows the difference; approving applies it.
  await page.goto('/requests');
  await hydrated(page);
  const item = page.getByTestId('queue-item').filter({ hasText: value });
  await expect(item).toContainText('licence renewed 2026-11');
  await item.getByTestId('approve').click();
  await expect(page.locator('[data-testid="request-line"][data-status="approved"]').filter({ hasText: value })).toBeVisible();
  await page.goto(new URL(customerUrl).pathname);
  await expect(page.getByTestId('value-licence_no')).toContainText(value);
  await expect(page.locator('[data-testid="history-action"][data-action="request.approve"]').first()).toBeVisible();
});
