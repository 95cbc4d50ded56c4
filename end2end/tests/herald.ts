// Page objects and helpers shared by the browser tests.
import { expect, type Page } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const MARKETER = { email: 'marketer@example.com', password: 'correct horse battery' };

/** Fails the test on any console error or uncaught exception (e.g. a bundle that does not hydrate). */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  // Email previews are sandboxed iframes without scripts; Chromium reports that it enforces it.
  const sandboxNotice = /^Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/;
  page.on('console', (m) => {
    if (m.type() === 'error' && !sandboxNotice.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

/** Waits until the wasm bundle has taken over the page. */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__heraldHydrated === true);
}

export async function signIn(page: Page) {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Email').fill(MARKETER.email);
  await page.getByLabel('Password').fill(MARKETER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The first screen is the home page; the tests start from the campaign list.
  await expect(page.getByRole('heading', { name: 'Last 24 hours' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Campaigns' }).click();
  await expect(page.getByRole('heading', { name: 'Campaigns' })).toBeVisible();
}

/** A new API key made with the CLI, as an operator's script would. */
export function createApiKey(name: string, scope: 'trigger' | 'admin' = 'trigger'): string {
  const out = execFileSync(process.env.HERALD_BIN!, ['api-key', 'create', '--name', name, '--scope', scope], {
    env: { ...process.env, HERALD_DATA_DIR: process.env.E2E_DATA_DIR },
    encoding: 'utf8',
  });
  return out.trim().split('\n').pop()!;
}

/** A Herald of a test's own, whose email goes to a real SMTP sink (the integration tests'
 * `smtp_sink.py`): for flows that read what Herald emails, without changing the shared
 * server's configuration (its messages are captured). */
export interface MailedHerald {
  baseURL: string;
  stop(): void;
  /** The newest message to `address`, as a person reads it (quoted-printable undone); waits
   * for it up to 10 s. */
  mailTo(address: string): Promise<string>;
}

export async function heraldWithMail(): Promise<MailedHerald> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-e2e-mail-'));
  const mailDir = path.join(dir, 'mail');
  fs.mkdirSync(mailDir);
  const sinkScript = path.resolve(__dirname, '../../server/tests/it/smtp_sink.py');
  const sink = spawn(process.env.HERALD_TEST_PYTHON ?? 'python3', [sinkScript, mailDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const smtpPort = await new Promise<number>((resolve, reject) => {
    sink.stdout!.once('data', (d) => {
      const m = /PORT (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
      else reject(new Error(`the SMTP sink said ${d}`));
    });
    sink.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code}); is aiosmtpd installed?`)));
  });
  const port = Number(process.env.E2E_PORT ?? '3107') + 1;
  const baseURL = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    HERALD_DATA_DIR: path.join(dir, 'data'),
    HERALD_LISTEN: `127.0.0.1:${port}`,
    HERALD_PUBLIC_URL: baseURL,
    HERALD_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
  };
  execFileSync(process.env.HERALD_BIN!, ['user', 'create', '--email', MARKETER.email, '--password', MARKETER.password], { env });
  const server = spawn(process.env.HERALD_BIN!, ['serve'], { env, stdio: 'ignore' });
  const stop = () => {
    server.kill();
    sink.kill();
  };
  for (let waited = 0; ; waited += 100) {
    const up = await fetch(`${baseURL}/ajo/im/health`).then((r) => r.ok, () => false);
    if (up) break;
    if (waited > 30_000) {
      stop();
      throw new Error('the mailed Herald did not start within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const mailTo = async (address: string) => {
    for (let waited = 0; waited <= 10_000; waited += 100) {
      const found = fs
        .readdirSync(mailDir)
        .filter((f) => f.endsWith('.eml'))
        .sort((a, b) => parseInt(b) - parseInt(a))
        .map((f) => fs.readFileSync(path.join(mailDir, f), 'utf8'))
        .find((m) => m.includes(`To: ${address}`));
      if (found) return found.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no email to ${address} within 10 s`);
  };
  return { baseURL, stop, mailTo };
}
