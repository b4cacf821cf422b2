import { expect, test, type Browser, type Page } from '@playwright/test';
import { horizontalOverflow, hydrated, phonePage, signIn } from './pages';

// Service work happens on the road: these run on the phone viewport only.
test.beforeEach(({}, info) => {
  test.skip(info.project.name !== 'phone', 'service work is tested on the phone viewport');
});

const phone = (browser: Browser) => phonePage(browser);

const STEPS = ['listen', 'accept', 'apologise', 'learn_need', 'find_solution', 'explain'];

test('a customer manager files a complaint for a customer and closes it; the customer reads the outcome', async ({ browser }) => {
  const cm = await phone(browser);
  // DEMO000001 is on cm01's route and has a portal account (demo data).
  const code = 'DEMO000001';
  await signIn(cm, 'cm01', undefined, '/complaints');
  await hydrated(cm);
  await cm.getByTestId('file-complaint').click();
  // Nothing filled in: the form says what is missing.
  await cm.getByTestId('file-complaint-submit').click();
  await expect(cm.getByTestId('file-complaint-error')).toContainText("customer's code");
  const subject = `Short delivery ${Date.now()}`;
  await cm.getByTestId('complaint-customer').fill(code);
  await cm.getByTestId('complaint-subject').fill(subject);
  await cm.getByTestId('complaint-description').fill('Two cartons missing from Monday’s delivery');
  await cm.getByTestId('complaint-attitude').selectOption('angry');
  // The seed's guidance for an angry customer.
  await expect(cm.getByTestId('file-complaint-form').getByTestId('attitude-guidance')).toContainText('real need');
  await cm.getByTestId('file-complaint-submit').click();
  await expect(cm.getByTestId('complaint-filed')).toContainText(subject);

  const item = cm.getByTestId('complaint-item').filter({ hasText: subject });
  await expect(item).toHaveAttribute('data-status', 'open');
  expect(await horizontalOverflow(cm)).toBeLessThanOrEqual(0);
  // Closing too early names the steps still to do.
  await item.getByTestId('resolution').fill('Two cartons delivered Tuesday morning');
  await item.getByTestId('close-complaint').click();
  await expect(item.getByTestId('complaint-message')).toContainText('Listen');
  for (const step of STEPS) {
    await item.getByTestId(`step-${step}`).click();
    await expect(item.locator(`li.done[data-step="${step}"]`)).toBeVisible();
  }
  await item.getByTestId('close-complaint').click();
  await expect(item).toHaveAttribute('data-status', 'closed');
  await expect(item.getByTestId('complaint-resolution')).toContainText('Tuesday morning');
  // The follow-up visit is still recorded after closing.
  await item.getByTestId('step-follow_up').click();
  await expect(item.locator('li.done[data-step="follow_up"]')).toBeVisible();

  // The customer sees it closed, with every step, on their service page.
  const customer = await phone(browser);
  await signIn(customer, code, undefined, '/my/service');
  const mine = customer.getByTestId('complaint-line').filter({ hasText: subject });
  await expect(mine).toHaveAttribute('data-status', 'closed');
  await expect(mine.locator('li.done')).toHaveCount(4);
  // The customer sees how far it came, not the staff's handling script.
  await expect(mine).not.toContainText('Apologised');
  await expect(mine.getByTestId('complaint-outcome')).toContainText('Tuesday morning');
  await cm.context().close();
  await customer.context().close();
});

test('a major complaint is confirmed and goes to the working group', async ({ page }) => {
  await page.goto('/complaints');
  await hydrated(page);
  await page.getByTestId('file-complaint').click();
  const subject = `Rude driver ${Date.now()}`;
  await page.getByTestId('complaint-customer').fill('DEMO000007');
  await page.getByTestId('complaint-subject').fill(subject);
  await page.getByTestId('complaint-major').check();
  await page.getByTestId('file-complaint-submit').click();
  const item = page.getByTestId('complaint-item').filter({ hasText: subject });
  await expect(item).toHaveAttribute('data-severity', 'major');
  for (const step of STEPS) await item.getByTestId(`step-${step}`).click();
  await expect(item.locator('li.done')).toHaveCount(6);
  // Not closed before it is confirmed.
  await item.getByTestId('resolution').fill('Driver replaced on this route');
  await item.getByTestId('close-complaint').click();
  await expect(item.getByTestId('complaint-message')).toContainText('Confirm');
  await item.getByTestId('confirm-substantiated').click();
  await expect(item.getByTestId('escalated')).toBeVisible();
  await item.getByTestId('close-complaint').click();
  await expect(item).toHaveAttribute('data-status', 'closed');
  // The list's filters: major complaints, closed ones.
  await page.getByTestId('filter-status').selectOption('closed');
  await page.getByTestId('filter-severity').selectOption('major');
  await expect(page.getByTestId('complaint-item').filter({ hasText: subject })).toBeVisible();
  await page.getByTestId('filter-severity').selectOption('general');
  await expect(page.getByTestId('complaint-item').filter({ hasText: subject })).toHaveCount(0);
});

test('a customer manager logs a visit from the plan on a phone; the customer sees it', async ({ browser }) => {
  const cm = await phone(browser);
  await signIn(cm, 'cm01', undefined, '/visits');
  await hydrated(cm);
  await expect(cm.getByTestId('visit-plan')).toBeVisible();
  // DEMO000001 (on cm01's route, with a portal account) from the plan, if due; else any row.
  const row = cm.locator('[data-testid="plan-row"][data-customer="1"]');
  const target = (await row.count()) > 0 ? row : cm.getByTestId('plan-row').first();
  const customerId = await target.getAttribute('data-customer');
  const doneBefore = Number(await target.getAttribute('data-done'));
  await target.getByTestId('log-for').click();
  await expect(cm.getByTestId('visit-form')).toBeVisible();
  // The purpose is needed: said at the field.
  await cm.getByTestId('visit-submit').click();
  await expect(cm.getByTestId('visit-error')).toContainText('purpose');
  const purpose = `Stock check ${Date.now()}`;
  await cm.getByTestId('visit-purpose').fill(purpose);
  // Filling the purpose takes its message away.
  await expect(cm.getByTestId('visit-error')).toHaveCount(0);
  await cm.getByTestId('visit-findings').fill('Competitor poster in the window');
  await cm.getByTestId('visit-minutes').fill('25');
  await cm.getByTestId('visit-promise').fill('New display stand next month');
  await cm.getByTestId('visit-submit').click();
  // The confirmation is on screen, wherever the page has scrolled to.
  await expect(cm.getByTestId('visit-logged')).toBeInViewport();
  // The plan counts the visit at once: the customer's row moved on or left the plan.
  const after = cm.locator(`[data-testid="plan-row"][data-customer="${customerId}"]`);
  await expect
    .poll(async () => ((await after.count()) === 0 ? doneBefore + 1 : Number(await after.getAttribute('data-done'))))
    .toBe(doneBefore + 1);
  const logged = cm.getByTestId('visit-log').getByTestId('visit-line').first();
  await expect(logged).toContainText(purpose);
  // Ten at first, more on request: a phone is not handed fifty cards.
  await expect(cm.getByTestId('visit-log').getByTestId('visit-line')).toHaveCount(10);
  await cm.getByTestId('visit-log-more').click();
  await expect(cm.getByTestId('visit-log').getByTestId('visit-line')).toHaveCount(20);
  await expect(logged).toContainText('Promised: New display stand next month');
  expect(await horizontalOverflow(cm)).toBeLessThanOrEqual(0);
  await cm.context().close();

  if (customerId === '1') {
    const customer = await phone(browser);
    await signIn(customer, 'DEMO000001', undefined, '/my/service');
    await expect(customer.getByText(purpose)).toBeVisible();
    await expect(customer.getByText('Competitor poster')).toHaveCount(0);
    await customer.context().close();
  }
});

test('a daily log is written on a phone and a manager reviews it', async ({ page, browser }) => {
  const cm = await phone(browser);
  await signIn(cm, 'cm01', undefined, '/reports');
  await hydrated(cm);
  await expect(cm.getByTestId('report-period')).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
  await expect(cm.getByTestId('report-records')).toBeVisible();
  // Empty text: said so, nothing saved.
  await cm.getByTestId('report-save').click();
  await expect(cm.getByTestId('report-message')).toContainText('Write the text');
  const text = `Visited R001, two shops short of cartons ${Date.now()}`;
  await cm.getByTestId('report-body').fill(text);
  await cm.getByTestId('report-save').click();
  await expect(cm.getByTestId('report-message')).toContainText('saved');
  await expect(cm.getByTestId('report-item').filter({ hasText: text })).toBeVisible();
  expect(await horizontalOverflow(cm)).toBeLessThanOrEqual(0);
  await cm.context().close();

  // The manager (this project's session) sees it among the unreviewed and reviews it.
  await page.goto('/reports');
  await hydrated(page);
  await page.getByTestId('unreviewed-only').check();
  const item = page.getByTestId('report-item').filter({ hasText: text });
  await item.getByTestId('review-text').fill('Good — follow up on the short deliveries');
  await item.getByTestId('review-save').click();
  await expect(page.getByTestId('report-item').filter({ hasText: text })).toHaveCount(0);
  await page.getByTestId('unreviewed-only').uncheck();
  await expect(page.getByTestId('report-item').filter({ hasText: text }).getByTestId('report-review')).toContainText('follow up');
});

test('a long visit plan and the performance table come in pages, in the order asked', async ({ page }) => {
  // Everyone's plan at 2,000 customers: more than a page.
  await page.goto('/visits');
  await hydrated(page);
  await expect(page.getByTestId('plan-count')).toBeVisible();
  const plan = page.getByTestId('plan-rows').getByTestId('plan-row');
  await expect(plan).toHaveCount(25);
  await expect(page.getByTestId('page-of')).toContainText('1');
  await expect(page.getByTestId('page-prev')).toBeDisabled();
  const first = await plan.first().getAttribute('data-customer');
  await page.getByTestId('page-next').click();
  await expect(page.getByTestId('page-prev')).toBeEnabled();
  await expect(plan.first()).not.toHaveAttribute('data-customer', first!);
  // The new page is shown from its top, not left at the pager below it.
  await expect(plan.first()).toBeInViewport();
  await page.getByTestId('page-prev').click();
  await expect(plan.first()).toHaveAttribute('data-customer', first!);

  // The weakest first on visits against the standard.
  await page.goto('/performance');
  await hydrated(page);
  await expect(page.getByTestId('kpi-count')).toBeVisible();
  await page.getByTestId('kpi-order').selectOption('visits');
  await expect(async () => {
    const pcts = await page.getByTestId('kpi-row').getByTestId('kpi-visits').evaluateAll((cells) =>
      cells.map((c) => c.getAttribute('data-value')).filter((v) => v !== null).map(Number));
    expect(pcts.length).toBeGreaterThan(1);
    expect(pcts).toEqual([...pcts].sort((a, b) => a - b));
  }).toPass();
});

test('managers compare customer managers and download the figures', async ({ page }) => {
  await page.goto('/performance');
  await hydrated(page);
  await expect(page.getByTestId('kpi-row').first()).toBeVisible();
  expect(await page.getByTestId('kpi-row').count()).toBeGreaterThan(5);
  await expect(page.getByTestId('kpi-row').first().getByTestId('kpi-visits')).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByTestId('kpis-csv').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('kehu-performance.csv');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
});

test('a customer manager sees their under-served customers and why, on a phone', async ({ browser }) => {
  const cm = await phone(browser);
  await signIn(cm, 'cm01', undefined, '/performance');
  await hydrated(cm);
  // Their own line carries the customers' satisfaction gap; the under-served count links to the list.
  const line = cm.getByTestId('kpi-row').first();
  await expect(line.getByTestId('kpi-gap')).toHaveText(/^[+−]?\d+\.\d$/);
  await line.getByTestId('kpi-under').getByRole('link').click();
  await expect(cm).toHaveURL(/\/gaps\?manager=\d+/);
  await hydrated(cm);
  // One bar per tier, counts adding up to what the list shows.
  await expect(cm.getByTestId('gap-tier')).toHaveCount(3);
  const under = await cm.getByTestId('gap-tier').evaluateAll((rows) =>
    rows.reduce((n, r) => n + Number(r.getAttribute('data-under')), 0));
  if (under > 0) {
    const first = cm.getByTestId('gaps-under').getByTestId('gap-row').first();
    await expect(first).toBeVisible();
    // A negative gap and at least one reason (a low experience measure or a high expectation).
    await expect(first.getByTestId('gap-value')).toHaveText(/^−\d+\.\d$/);
    await expect(first.getByTestId('gap-reason').first()).toBeVisible();
    // Every input, with what was not recorded said so.
    await first.locator('details summary').click();
    await expect(first.locator('dl.inputs')).toContainText('not recorded');
  } else {
    await expect(cm.getByTestId('gaps-none-under')).toBeVisible();
  }
  // One tier only.
  await cm.getByTestId('gaps-tier-core').click();
  await expect(cm).toHaveURL(/tier=core/);
  for (const tier of await cm.getByTestId('gap-row').evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent))) {
    expect(tier).toBe('Core');
  }
  expect(await horizontalOverflow(cm)).toBeLessThanOrEqual(0);
  await cm.context().close();
});

test('a manager sets a holiday in the service calendar; a customer manager only reads it', async ({ page, browser }) => {
  await page.goto('/calendar');
  await hydrated(page);
  // A weekday cannot be a make-up working day: said so, nothing saved.
  await page.getByTestId('calendar-day').fill('2027-10-01');
  await page.getByTestId('calendar-kind').selectOption('workday');
  await page.getByTestId('calendar-submit').click();
  await expect(page.getByTestId('calendar-error')).toContainText('weekday');
  await page.getByTestId('calendar-kind').selectOption('holiday');
  await page.getByTestId('calendar-note').fill('National Day');
  await page.getByTestId('calendar-submit').click();
  await expect(page.getByTestId('calendar-saved')).toBeVisible();
  await expect(page.locator('[data-testid="calendar-line"][data-day="2027-10-01"]')).toHaveAttribute('data-kind', 'holiday');
  // A range in one go: Monday 4 to Sunday 10 October; the weekend is off anyway and left alone.
  await page.getByTestId('calendar-day').fill('2027-10-04');
  await page.getByTestId('calendar-to').fill('2027-10-10');
  await page.getByTestId('calendar-submit').click();
  await expect(page.getByTestId('calendar-saved')).toContainText('5 days set');
  await expect(page.getByTestId('calendar-saved')).toContainText('2 more');
  await expect(page.locator('[data-testid="calendar-line"][data-day="2027-10-08"]')).toHaveAttribute('data-kind', 'holiday');
  await expect(page.locator('[data-testid="calendar-line"][data-day="2027-10-09"]')).toHaveCount(0);
  // A published list imported: a bad line refuses the whole list, naming the line and its value.
  await page.getByTestId('calendar-import-text').fill('2027-09-26,,班,国庆节调休\n2027-13-01,,休,x\n');
  await page.getByTestId('calendar-import-submit').click();
  await expect(page.getByTestId('calendar-import-errors')).toContainText('Line 2');
  await expect(page.getByTestId('calendar-import-errors')).toContainText('2027-13-01');
  await expect(page.locator('[data-testid="calendar-line"][data-day="2027-09-26"]')).toHaveCount(0);
  await page.getByTestId('calendar-import-text').fill('2027-09-26,,班,国庆节调休\n');
  await page.getByTestId('calendar-import-submit').click();
  await expect(page.getByTestId('calendar-imported')).toContainText('1 days set');
  await expect(page.locator('[data-testid="calendar-line"][data-day="2027-09-26"]')).toHaveAttribute('data-kind', 'workday');
  // The desk's clock is named on the page.
  await expect(page.getByTestId('calendar-intro')).toContainText('Asia/Shanghai');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

  const cm = await phone(browser);
  await signIn(cm, 'cm01', undefined, '/calendar');
  await hydrated(cm);
  await expect(cm.locator('[data-testid="calendar-line"][data-day="2027-10-01"]')).toContainText('National Day');
  await expect(cm.getByTestId('calendar-form')).toHaveCount(0);
  await cm.context().close();
});
