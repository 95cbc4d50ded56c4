import { defineConfig } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Herald under test: the binary and site built by scripts/test, on its own port and its own
// temporary database (never a developer's data). Workers inherit these variables.
const port = process.env.E2E_PORT ?? '3107';
process.env.E2E_PORT = port;
process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'herald-e2e-'));
const herald = process.env.HERALD_BIN;
if (!herald) throw new Error('HERALD_BIN must name the herald binary (scripts/test sets it)');

export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'bash ./serve.sh',
    url: `${baseURL}/ajo/im/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      HERALD_DATA_DIR: process.env.E2E_DATA_DIR,
      HERALD_LISTEN: `127.0.0.1:${port}`,
      HERALD_PUBLIC_URL: baseURL,
      // The surfaces test's gateway is a local stand-in.
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    },
  },
});
