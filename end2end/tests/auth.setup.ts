import { expect, test as setup } from '@playwright/test';
import { MANAGER_STATE, signIn } from './pages';

// Every other browser test runs as the demo manager; sign in once and keep the cookie.
setup('sign in as the demo manager', async ({ page }) => {
  await signIn(page, 'manager');
  await expect(page.getByTestId('user-name')).toBeVisible();
  // The language cookie is set by the page once it runs, which may or may not have happened by
  // now: keep it out, so every test reads in its own browser's language (English unless a test
  // asks for Chinese).
  await page.context().clearCookies({ name: 'i18n_pref_locale' });
  await page.context().storageState({ path: MANAGER_STATE });
});
