// Versions: a live campaign's edits make a draft version; the marketer views an earlier version,
// compares two side by side, rolls back to an earlier one and discards the draft.
import { test, expect, Page } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './herald';

async function saveSubject(page: Page, subject: string) {
  await page.getByRole('link', { name: 'Edit' }).click();
  await hydrated(page);
  await page.getByLabel('Subject', { exact: true }).fill(subject);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('pending-version')).toBeVisible();
}

test('view, compare, roll back and discard versions', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  const title = `Versions ${Date.now()}`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Subject', { exact: true }).fill('Spring v1');
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.locator('.title-row .badge')).toHaveText('Live');

  await saveSubject(page, 'Spring v2');
  await page.getByRole('button', { name: 'Activate version 2' }).click();
  await expect(page.getByTestId('pending-version')).toHaveCount(0);
  await saveSubject(page, 'Spring v3');

  // The list: the draft, the live version, the earlier one; the newest two compared.
  await page.getByRole('link', { name: 'Versions' }).click();
  await hydrated(page);
  const rows = page.getByTestId('version-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('Version 3');
  await expect(rows.nth(0)).toContainText('draft');
  await expect(rows.nth(1)).toContainText('live');
  await expect(rows.nth(2)).toContainText('earlier');
  const comparison = page.getByTestId('comparison');
  await expect(comparison.getByRole('heading', { name: 'Version 2 → version 3' })).toBeVisible();
  await expect(comparison.getByRole('heading', { name: 'Subject' })).toBeVisible();
  await expect(comparison.locator('del')).toHaveText(['Spring v2']);
  await expect(comparison.locator('ins')).toHaveText(['Spring v3']);

  // Any two versions, from the form.
  await page.getByLabel('From version').selectOption('1');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page).toHaveURL(/from=1&to=3/);
  await expect(page.getByLabel('From version')).toHaveValue('1');
  await expect(page.getByRole('navigation', { name: 'Campaign' }).locator('[aria-current="page"]')).toHaveText(['Versions']);
  await expect(comparison.locator('del')).toHaveText(['Spring v1']);

  // Version 1 as it was, and rolled back to: its content becomes the draft, version 3.
  await page.getByRole('link', { name: 'Version 1', exact: true }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: `${title} — version 1` })).toBeVisible();
  await expect(page.getByTestId('version-content')).toContainText('Spring v1');
  await expect(page.getByRole('link', { name: 'Compare with live version 2' })).toBeVisible();
  await page.getByRole('button', { name: 'Roll back to this…' }).click();
  await page.getByRole('button', { name: 'Roll back to version 1' }).click();
  await expect(page.getByRole('status')).toContainText('Version 3 is now the draft');
  await page.getByRole('link', { name: 'See the versions' }).click();
  await hydrated(page);
  await expect(comparison.locator('ins')).toHaveText(['Spring v1']);

  // The draft discarded: version 2 is the newest again, and the overview has no draft.
  await page.getByRole('button', { name: 'Discard draft…' }).click();
  await page.getByRole('button', { name: 'Discard draft', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText('Draft version 3 discarded.');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('live');
  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByTestId('pending-version')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('the versions page fits a phone', async ({ page }) => {
  await signIn(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/campaigns/new');
  await hydrated(page);
  await page.getByLabel('Title', { exact: true }).fill(`Phone versions ${Date.now()}`);
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await page.getByRole('button', { name: 'Activate' }).click();
  await saveSubject(page, 'A much longer subject line that would push a table sideways on a phone');
  await page.getByRole('link', { name: 'Versions' }).click();
  await hydrated(page);
  await expect(page.getByTestId('diff')).toBeVisible();
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  expect(fits).toBe(true);
});
