import { expect, test } from '@playwright/test';
import { horizontalOverflow, hydrated } from './pages';

test('a CSV with bad rows is checked and refused; a clean one is checked, then imported', async ({ page }, info) => {
  await page.goto('/import');
  await hydrated(page);
  await page.getByTestId('import-kind').selectOption('purchases');
  const bad = 'customer_code,month,cartons,amount_yuan\nDEMO000001,2026-13,40,8000\nNOPE,2026-11,1,1\n';
  await page.getByTestId('import-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-report')).toHaveAttribute('data-errors', '2');
  await expect(page.locator('[data-testid="import-error"][data-line="2"][data-column="month"]')).toContainText('2026-13');
  await expect(page.locator('[data-testid="import-error"][data-line="3"][data-column="customer_code"]')).toContainText('NOPE');
  await expect(page.getByTestId('import-commit')).toBeDisabled();

  // Old months, outside every assessment window, so the other tests' classifications stay put;
  // each project its own, so both runs import something.
  const month = info.project.name === 'phone' ? '2020-01' : '2020-02';
  const good = `customer_code,month,cartons,amount_yuan\nDEMO000001,${month},40,8000.50\nDEMO000002,${month},12,1500\n`;
  await page.getByTestId('import-file').setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-report')).toHaveAttribute('data-errors', '0');
  await expect(page.getByTestId('import-report')).toHaveAttribute('data-committed', 'false');
  await page.getByTestId('import-commit').click();
  await expect(page.getByTestId('import-done')).toContainText('Imported 2 rows');
  await expect(page.getByTestId('import-report')).toHaveAttribute('data-committed', 'true');
});

test('the import page fits a phone screen', async ({ page }) => {
  await page.goto('/import');
  await hydrated(page);
  const overflow = await horizontalOverflow(page);
  expect(overflow).toBeLessThanOrEqual(0);
});
