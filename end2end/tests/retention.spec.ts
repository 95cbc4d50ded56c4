// Data retention as an admin meets it: a sandbox's own ages on the Sandboxes page, checked
// (content may not outlive messages), saved, and shown in force after a reload, at desktop and
// phone width; then the System page with what the database holds.
import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './herald';

test('a sandbox keeps data for the days it sets', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await hydrated(page);
  const name = `ret${Date.now()}`;
  await page.getByRole('link', { name: 'Sandboxes' }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create sandbox' }).click();
  await expect(page.getByTestId('sandbox').filter({ hasText: name })).toBeVisible();
  await page.getByTestId('sandbox-select').selectOption({ label: `herald / ${name}` });
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sandboxes' }).click();
  await hydrated(page);

  const retention = page.getByTestId('retention');
  await expect(retention.getByLabel('Content (days)')).toHaveAttribute('placeholder', '30 (default)');
  await expect(page.getByTestId('retention-effective')).toHaveText(
    'In force: content 30 days, messages 400 days, webhook deliveries 30 days.');

  // Messages kept for less than the content: refused, with the reason.
  await retention.getByLabel('Messages (days)').fill('20');
  await retention.getByRole('button', { name: 'Save retention' }).click();
  await expect(retention.locator('.error')).toContainText('cannot be longer than messages are kept (20 days)');

  await retention.getByLabel('Content (days)').fill('7');
  await retention.getByLabel('Messages (days)').fill('20');
  await retention.getByRole('button', { name: 'Save retention' }).click();
  await expect(retention.getByRole('status')).toContainText('Saved');
  await expect(page.getByTestId('retention-effective')).toHaveText(
    'In force: content 7 days, messages 20 days, webhook deliveries 30 days.');

  await page.setViewportSize({ width: 390, height: 800 });
  await page.reload();
  await hydrated(page);
  await expect(retention.getByLabel('Content (days)')).toHaveValue('7');
  await expect(retention.getByLabel('Webhook deliveries (days)')).toHaveValue('');
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the screen').toBeLessThanOrEqual(390);

  // The System page says what the database holds (at phone width, behind the menu).
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click();
  await expect(page.getByTestId('database-size')).toContainText(/SQLite|PostgreSQL/);
  await expect(page.getByTestId('database-size')).toContainText('MiB on disk');
  await expect(page.getByTestId('table-rows').locator('tbody tr')).toHaveCount(11);
  await expect(page.getByTestId('table-rows')).toContainText('messages');
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the screen').toBeLessThanOrEqual(390);
  expect(problems).toEqual([]);
});
