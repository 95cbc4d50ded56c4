// Page objects and helpers shared by the browser tests.
import { expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';

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
