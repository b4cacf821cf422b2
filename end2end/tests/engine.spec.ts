import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hydrated } from './pages';

// The engine compiled to wasm must classify exactly as the native engine: same random policies,
// same random customers, same digest (`cargo test -p kehu-engine selfcheck` checks the native side).
test('the engine in the browser gives the same results as on the server', async ({ page }, info) => {
  test.skip(info.project.name !== 'desktop', 'one browser run is enough');
  const golden = readFileSync(join(__dirname, '../../app/engine/selfcheck-digest.txt'), 'utf8').trim();
  await page.goto('/');
  await hydrated(page);
  const digest = await page.evaluate(async () => {
    // The bundle's script under its content-hashed name, as the page links it.
    const src = [...document.querySelectorAll('link[rel="modulepreload"]')]
      .map((l) => l.getAttribute('href') ?? '')
      .find((h) => /\/pkg\/kehu(\.[\w-]+)?\.js$/.test(h));
    const m: any = await import(src as string);
    return (await m.engine_selfcheck()) as string;
  });
  expect(digest).toBe(golden);
});
