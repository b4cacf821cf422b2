import { expect, test, type Page } from '@playwright/test';
import { hydrated } from '../tests/pages';

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
  // The server's check (how many move) and the publish itself.
  const previewMs = await clickToShown(page, 'publish', 'publish-confirm');
  const publishMs = await clickToShown(page, 'publish-confirm-button', 'published');

  const line = [
    `customers ${customers}`,
    `snapshot ${(wire / 1024).toFixed(0)} kB on the wire`,
    `page + snapshot + first run ${loadMs} ms`,
    `recompute median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}, 20 edits)`,
    `server check ${previewMs} ms`,
    `publish ${publishMs} ms`,
  ].join(' · ');
  console.log(`LAB PERF: ${line}`);
  test.info().annotations.push({ type: 'lab-perf', description: line });
});
