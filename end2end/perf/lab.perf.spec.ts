import { expect, test } from '@playwright/test';
import { hydrated } from '../tests/pages';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Twenty edits of the band-1 bound, each re-running the engine over every customer in the
// browser; the page reports each run's time (engine + aggregates) in `recompute-stats`.
test('what-if lab: snapshot size, recompute and publish times', async ({ page }) => {
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
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const run = await stats.getAttribute('data-run');
    await field.fill(String(20.5 + 0.5 * i));
    await expect(stats).not.toHaveAttribute('data-run', run!);
    times.push(Number(await stats.getAttribute('data-ms')));
  }

  await page.getByTestId('draft-name').fill(`perf ${Date.now()}`);
  await page.getByTestId('publish').click();
  await expect(page.getByTestId('publish-confirm')).toBeVisible();
  const p0 = Date.now();
  await page.getByTestId('publish-confirm-button').click();
  await expect(page.getByTestId('published')).toBeVisible();
  const publishMs = Date.now() - p0;

  const line = [
    `customers ${customers}`,
    `snapshot ${(wire / 1024).toFixed(0)} kB on the wire`,
    `page + snapshot + first run ${loadMs} ms`,
    `recompute median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}, 20 edits)`,
    `publish ${publishMs} ms`,
  ].join(' · ');
  console.log(`LAB PERF: ${line}`);
  test.info().annotations.push({ type: 'lab-perf', description: line });
});
