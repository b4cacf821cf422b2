import { expect, test } from '@playwright/test';
import { hydrated, phonePage, signIn } from './pages';

// On the road: a visit logged without signal waits on the phone and goes when the signal returns.
test.beforeEach(({}, info) => {
  test.skip(info.project.name !== 'phone', 'field work is tested on the phone viewport');
});

test('a visit logged without signal waits on the phone, survives closing the tab, and is sent once when the signal returns', async ({ browser }) => {
  const first = await phonePage(browser);
  const context = first.context();
  await signIn(first, 'cm01', undefined, '/visits');
  await hydrated(first);
  // The service worker is in charge and has kept the page and its code for the road.
  await first.evaluate(() => navigator.serviceWorker.ready);
  await expect
    .poll(() =>
      first.evaluate(async () => {
        const page = await (await caches.open('kehu-pages-v1')).match('/visits');
        const code = await (await caches.open('kehu-bundle-v1')).keys();
        return Boolean(page) && code.some((r) => r.url.includes('visits_route'));
      }),
    )
    .toBe(true);

  const row = first.getByTestId('plan-row').first();
  const customer = await row.locator('a').first().innerText();
  await row.getByTestId('log-for').click();
  const purpose = `Offline stock check ${Date.now()}`;
  await first.getByTestId('visit-purpose').fill(purpose);
  await context.setOffline(true);
  await first.getByTestId('visit-submit').click();
  // Said plainly, and listed as waiting; the form is free for the next shop.
  await expect(first.getByTestId('visit-queued')).toContainText('kept on this phone');
  await expect(first.getByTestId('visit-queued')).toContainText(customer);
  const waiting = first.getByTestId('outbox-item');
  await expect(waiting).toHaveCount(1);
  await expect(waiting).toHaveAttribute('data-state', 'waiting');
  await expect(waiting).toContainText(purpose);
  await expect(first.getByTestId('visit-form')).toHaveCount(0);

  // The tab is closed and opened again, still without signal: the page opens from the phone,
  // with the visit still waiting.
  await first.close();
  const again = await context.newPage();
  await again.goto('/visits');
  await hydrated(again);
  await expect(again.getByTestId('outbox-item')).toHaveCount(1);
  await expect(again.getByTestId('outbox-item')).toContainText(purpose);

  // The signal returns: the visit goes by itself, once.
  await context.setOffline(false);
  await expect(again.getByTestId('outbox')).toHaveCount(0);
  const lines = again.getByTestId('visit-log').getByTestId('visit-line').filter({ hasText: purpose });
  await expect(lines).toHaveCount(1);
  // Read from the server, not the page: one visit.
  await again.reload();
  await hydrated(again);
  await expect(again.getByTestId('visit-log').getByTestId('visit-line').filter({ hasText: purpose })).toHaveCount(1);
  await context.close();
});
