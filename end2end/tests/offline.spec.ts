import { expect, test } from '@playwright/test';
import { MANAGER_STATE, hydrated, phonePage, signIn } from './pages';

// On the road: what a customer manager records without signal waits on the phone and goes when
// the signal returns.
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

test('complaint steps ticked and a complaint filed without signal wait on the phone; one that no longer applies comes back with its reason', async ({ browser }) => {
  const phone = await phonePage(browser);
  const context = phone.context();
  await signIn(phone, 'cm01', undefined, '/complaints');
  await hydrated(phone);
  await phone.evaluate(() => navigator.serviceWorker.ready);
  const count = async () => Number((await phone.getByTestId('complaint-count').innerText()).replace(/\D/g, ''));
  const before = await count();

  // An open complaint whose first steps are still to do.
  const item = phone.getByTestId('complaint-item').filter({ has: phone.getByTestId('step-listen') }).first();
  const id = await item.getAttribute('data-complaint');
  const code = (await item.locator('a').first().innerText()).split(' ')[0];
  const complaint = phone.locator(`[data-testid=complaint-item][data-complaint="${id}"]`);

  await context.setOffline(true);
  // Two steps ticked on the road: each says it is waiting, and is listed in the outbox.
  await complaint.getByTestId('step-listen').click();
  await expect(complaint.locator('li[data-step=listen]').getByTestId('step-waiting')).toBeVisible();
  await complaint.getByTestId('step-accept').click();
  await expect(complaint.locator('li[data-step=accept]').getByTestId('step-waiting')).toBeVisible();
  await expect(complaint.getByTestId('complaint-message')).toHaveCount(0);
  // A complaint filed for the same shop, on the spot.
  const subject = `Broken seal ${Date.now()}`;
  await phone.getByTestId('file-complaint').click();
  await phone.getByTestId('complaint-customer').fill(code);
  await phone.getByTestId('complaint-subject').fill(subject);
  await phone.getByTestId('file-complaint-submit').click();
  await expect(phone.getByTestId('complaint-queued')).toContainText(code);
  await expect(phone.getByTestId('complaint-subject')).toHaveValue('');
  const items = phone.getByTestId('outbox-item');
  await expect(items).toHaveCount(3);
  await expect(items.filter({ hasText: subject })).toHaveAttribute('data-state', 'waiting');

  // Meanwhile, at the office, someone records the first step on the phone call.
  const office = await browser.newContext({ storageState: MANAGER_STATE });
  const desk = await office.newPage();
  await desk.goto('/');
  const status = await desk.evaluate(async (id) => {
    const r = await fetch('/api/act_on_complaint', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: Number(id),
        version: 0,
        action: { Step: { key: 'listen', note: 'heard on the phone', entry: `office-${Date.now()}` } },
      }),
    });
    return r.status;
  }, id);
  expect(status).toBe(200);
  await office.close();

  // The signal returns: the second step and the complaint go in; the first comes back with
  // the reason, the office's note stands, and it leaves the list when read.
  await context.setOffline(false);
  await expect(items.filter({ hasText: subject })).toHaveCount(0);
  const refused = items.filter({ has: phone.locator('[role=alert]') });
  await expect(refused).toHaveCount(1);
  await expect(refused).toHaveAttribute('data-state', 'refused');
  await expect(refused).toContainText('recorded by someone else meanwhile');
  await expect(items).toHaveCount(1);
  await expect(complaint.locator('li[data-step=accept].done')).toBeVisible();
  await expect(complaint.locator('li[data-step=listen].done')).toContainText('heard on the phone');
  await refused.getByTestId('outbox-dismiss').click();
  await expect(phone.getByTestId('outbox')).toHaveCount(0);
  // Read from the server: the complaint was filed once.
  await phone.reload();
  await hydrated(phone);
  expect(await count()).toBe(before + 1);
  await context.close();
});
