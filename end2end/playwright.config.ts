import { defineConfig } from '@playwright/test';
import { MANAGER_STATE } from './tests/pages';

// The browser tests run the real release server on its own port and a fresh demo database.
const port = Number(process.env.KEHU_E2E_PORT ?? 3137);
const db = 'test-results/kehu-e2e.db';
const sessions = 'test-results/kehu-e2e.sessions.db';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // Two cores: one browser at a time next to the server.
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/artifacts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'en-US',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'setup', testMatch: /auth\.setup\.ts/ },
    {
      name: 'desktop',
      dependencies: ['setup'],
      use: { viewport: { width: 1280, height: 800 }, storageState: MANAGER_STATE },
    },
    {
      name: 'phone',
      dependencies: ['setup'],
      use: { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, storageState: MANAGER_STATE },
    },
  ],
  webServer: {
    command:
      `rm -f ${db} ${db}-wal ${db}-shm ${sessions} ${sessions}-wal ${sessions}-shm && ` +
      `../target/release/kehu --db ${db} demo --customers 2000 && ` +
      `../target/release/kehu --db ${db} --addr 127.0.0.1:${port} serve`,
    url: `http://127.0.0.1:${port}/healthz`,
    env: { LEPTOS_SITE_ROOT: '../target/site', LEPTOS_ENV: 'PROD', RUST_LOG: 'warn' },
    reuseExistingServer: false,
    timeout: 120_000,
  },
});
