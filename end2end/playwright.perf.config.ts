import { defineConfig } from '@playwright/test';
import base from './playwright.config';
import { MANAGER_STATE } from './tests/pages';

// The lab benchmark (end2end/perf.sh): one desktop browser against a server on a large database.
const port = Number(process.env.KEHU_PERF_PORT ?? 3138);
const db = process.env.KEHU_PERF_DB ?? '../target/perf/kehu-100000.db';

export default defineConfig({
  ...base,
  testDir: './perf',
  timeout: 600_000,
  expect: { timeout: 60_000 },
  use: { ...base.use, baseURL: `http://127.0.0.1:${port}`, viewport: { width: 1280, height: 800 } },
  projects: [
    { name: 'setup', testDir: './tests', testMatch: /auth\.setup\.ts/ },
    { name: 'desktop', dependencies: ['setup'], use: { storageState: MANAGER_STATE } },
  ],
  webServer: {
    command: `../target/release/kehu --db ${db} --addr 127.0.0.1:${port} serve`,
    url: `http://127.0.0.1:${port}/healthz`,
    env: { LEPTOS_SITE_ROOT: '../target/site', LEPTOS_ENV: 'PROD', RUST_LOG: 'warn' },
    reuseExistingServer: false,
    timeout: 300_000,
  },
});
