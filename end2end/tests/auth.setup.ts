import { expect, test as setup } from '@playwright/test';
import { MANAGER_STATE, signIn } from './pages';

// Every other browser test runs as the demo manager; sign in once and keep the cookie.
setup('sign in as the demo manager', async ({ page }) => {
  await signIn(page, 'manager');
  await expect(page.getByTestId('user-name')).toBeVisible();
  await page.context().storageState({ path: MANAGER_STATE });
});
