import { expect, test, type Page } from '@playwright/test';
import { hydrated, signIn } from '../tests/pages';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Milliseconds from a click on `button` to `shown` appearing, timed inside the page (a click
// listener and a mutation observer) rather than by polling from the test, which adds up to
// half a second.
const clickToShown = async (page: Page, button: string, shown: string) => {
  const timing = page.evaluate(
    ([button, shown]) =>
      new Promise<number>((resolve) => {
        let clicked = 0;
        document.addEventListener(
          'click',
          (ev) => {
            if ((ev.target as Element).closest(`[data-testid="${button}"]`)) clicked = performance.now();
          },
          { capture: true },
        );
        const seen = () => {
          if (clicked && document.querySelector(`[data-testid="${shown}"]`)) {
            observer.disconnect();
            resolve(performance.now() - clicked);
          }
        };
        const observer = new MutationObserver(seen);
        observer.observe(document.body, { childList: true, subtree: true });
      }),
    [button, shown],
  );
  await page.getByTestId(button).click();
  await expect(page.getByTestId(shown)).toBeVisible();
  return Math.round(await timing);
};

// Milliseconds from the input event of an edit to the next frame after the page shows the new
// run (a requestAnimationFrame callback once `recompute-stats` names a new run): typing, engine,
// every panel's update and the layout before painting.
const inputToPaint = async (page: Page, testid: string, value: string) => {
  const timing = page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const run = () => document.querySelector('[data-testid="recompute-stats"]')?.getAttribute('data-run');
        const before = run();
        let t0 = 0;
        document.addEventListener('input', (ev) => (t0 = ev.timeStamp), { capture: true, once: true });
        const observer = new MutationObserver(() => {
          if (!t0 || run() === before) return;
          observer.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        });
        observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      }),
  );
  await page.getByTestId(testid).fill(value);
  return await timing;
};

// Milliseconds from a click on `button` until `shown` appears, and until the lab shows a run on
// newly arrived data (`recompute-stats` names a new run: a publication changes no draft), and
// what it says of how the data arrived.
const clickToReloaded = async (page: Page, button: string, shown: string) => {
  const timing = page.evaluate(
    ([button, shown]) =>
      new Promise<[number, number]>((resolve) => {
        const run = () => document.querySelector('[data-testid="recompute-stats"]')?.getAttribute('data-run');
        const before = run();
        let clicked = 0;
        let seen = 0;
        document.addEventListener(
          'click',
          (ev) => {
            if ((ev.target as Element).closest(`[data-testid="${button}"]`)) clicked = performance.now();
          },
          { capture: true },
        );
        const observer = new MutationObserver(() => {
          if (!clicked) return;
          if (!seen && document.querySelector(`[data-testid="${shown}"]`)) seen = performance.now() - clicked;
          if (seen && run() !== before) {
            observer.disconnect();
            resolve([seen, performance.now() - clicked]);
          }
        });
        observer.observe(document.body, { childList: true, subtree: true, attributes: true });
      }),
    [button, shown],
  );
  await page.getByTestId(button).click();
  const [shownMs, ms] = (await timing).map(Math.round);
  const info = page.getByTestId('snapshot-info');
  return {
    shownMs,
    ms,
    kind: await info.getAttribute('data-kind'),
    changed: Number(await info.getAttribute('data-changed')),
    bytes: Number(await info.getAttribute('data-bytes')),
  };
};

// A customer manager's visits, logged through the API as their browser would.
const logVisits = async (cm: Page, customers: string[], n: number) => {
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  for (let k = 0; k < n; k++) {
    const c = customers[k % customers.length];
    const resp = await cm.request.post('/api/log_visit', {
      form: {
        'visit[customer]': c,
        'visit[date]': today,
        'visit[purpose]': `perf ${k}`,
        'visit[findings]': '',
        'visit[duration_min]': '15',
        'visit[promise]': '',
      },
      headers: { origin: new URL(cm.url()).origin },
    });
    expect(resp.status()).toBe(200);
  }
};

// Milliseconds from a click on the lab's link (dashboard → lab, in the page) to the first run,
// and what the lab says of how its data arrived.
const reopenLab = async (page: Page) => {
  await page.locator('a[href="/"]').first().click();
  await expect(page.getByTestId('lab')).toHaveCount(0);
  const t0 = Date.now();
  await page.locator('a[href="/lab"]').first().click();
  await expect(page.getByTestId('recompute-stats')).toBeVisible();
  const ms = Date.now() - t0;
  const info = page.getByTestId('snapshot-info');
  return {
    ms,
    kind: await info.getAttribute('data-kind'),
    changed: Number(await info.getAttribute('data-changed')),
    bytes: Number(await info.getAttribute('data-bytes')),
  };
};

// The lab on a large database: the first open, twenty edits of the band-1 bound (the engine's
// own time, and input to paint at full speed and with the CPU slowed 4×), opening it again after
// field work (a delta) and after a reload, then the server's check and the publish, and opening
// it after the publish.
test('what-if lab: snapshot, engine, input to paint, reopening after writes, publish', async ({ page, browser }) => {
  let wire = 0;
  page.on('requestfinished', async (req) => {
    if (req.url().endsWith('/api/snapshot')) wire = (await req.sizes()).responseBodySize;
  });
  const t0 = Date.now();
  await page.goto('/lab');
  await hydrated(page);
  const stats = page.getByTestId('recompute-stats');
  await expect(stats).toBeVisible();
  const loadMs = Date.now() - t0;
  const customers = Number(await stats.getAttribute('data-customers'));

  const field = page.getByTestId('field-bands.lower_bounds[0]');
  const engine: number[] = [];
  const paint: number[] = [];
  for (let i = 0; i < 20; i++) {
    const run = await stats.getAttribute('data-run');
    paint.push(await inputToPaint(page, 'field-bands.lower_bounds[0]', String(20.5 + 0.5 * i)));
    await expect(stats).not.toHaveAttribute('data-run', run!);
    engine.push(Number(await stats.getAttribute('data-ms')));
  }
  // A value weight edit (then "rescale the others"): the value score, class and tier of
  // everyone are computed again, where a bound edit recomputes bands and grades only.
  const weightEngine: number[] = [];
  for (let i = 0; i < 20; i++) {
    const run = await stats.getAttribute('data-run');
    await page.getByTestId('field-value.weights.contribution').fill(i % 2 ? '0.31' : '0.29');
    await page.getByTestId('rescale-value.weights').click();
    await expect(stats).not.toHaveAttribute('data-run', run!);
    await expect(stats).toHaveAttribute('data-stale', 'false');
    weightEngine.push(Number(await stats.getAttribute('data-ms')));
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const slow: number[] = [];
  for (let i = 0; i < 20; i++) {
    slow.push(await inputToPaint(page, 'field-bands.lower_bounds[0]', String(30.5 + 0.5 * i)));
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await field.fill('20');

  // Field work meanwhile: one visit, then a hundred.
  const cmContext = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const cm = await cmContext.newPage();
  await signIn(cm, 'cm01', undefined, '/visits');
  await hydrated(cm);
  const ids = await cm.getByTestId('plan-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-customer')!));
  expect(ids.length).toBeGreaterThan(0);
  await logVisits(cm, ids, 1);
  const afterOne = await reopenLab(page);
  await logVisits(cm, ids, 100);
  const afterHundred = await reopenLab(page);
  await logVisits(cm, ids, 1);
  const t1 = Date.now();
  await page.goto('/lab');
  await expect(stats).toBeVisible();
  const reloadMs = Date.now() - t1;
  await cmContext.close();

  // Another manager's lab, open in another tab while this one publishes.
  const other = await page.context().newPage();
  await other.goto('/lab');
  await expect(other.getByTestId('recompute-stats')).toBeVisible();

  await page.getByTestId('draft-name').fill(`perf ${Date.now()}`);
  await field.fill('25');
  // The server's check (how many move), then the publish: until the server answers, and until
  // the publishing lab holds the published data (it asks for what changed right after).
  const previewMs = await clickToShown(page, 'publish', 'publish-confirm');
  const current = await clickToReloaded(page, 'publish-confirm-button', 'published');
  const publishMs = current.shownMs;
  // The other manager's lab opened again after the publication.
  const afterPublish = await reopenLab(other);

  const ms = (xs: number[]) => `${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
  const line = [
    `customers ${customers}`,
    `snapshot ${(wire / 1024).toFixed(0)} kB on the wire`,
    `page + snapshot + first run ${loadMs} ms`,
    `engine median ${ms(engine)}`,
    `engine median, a value weight edit ${ms(weightEngine)}`,
    `input to paint median ${ms(paint)}`,
    `input to paint, CPU 4x slower, median ${ms(slow)}`,
    `lab reopened after 1 visit ${afterOne.ms} ms (${afterOne.kind}, ${afterOne.changed} changed, ${afterOne.bytes} bytes)`,
    `after 100 more visits ${afterHundred.ms} ms (${afterHundred.kind}, ${afterHundred.changed} changed, ${afterHundred.bytes} bytes)`,
    `lab reloaded after a visit ${reloadMs} ms (whole snapshot)`,
    `server check ${previewMs} ms`,
    `publish ${publishMs} ms`,
    `publishing lab current ${current.ms} ms after the click (${current.kind}, ${current.changed} changed, ${current.bytes} bytes)`,
    `another manager's lab reopened after the publish ${afterPublish.ms} ms (${afterPublish.kind}, ${afterPublish.changed} changed, ${afterPublish.bytes} bytes)`,
  ].join(' · ');
  console.log(`LAB PERF: ${line}`);
  test.info().annotations.push({ type: 'lab-perf', description: line });
});
