// Saved content: a marketer saves a campaign's content under a name, starts a new campaign from
// it (channel and text come along, already in the server-rendered form) and deletes it.
import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './herald';

test('save a campaign\'s content, start a new campaign from it, delete it', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  const run = Date.now();
  await page.goto('/campaigns/new');
  await hydrated(page);
  await page.getByLabel('SMS', { exact: true }).check();
  await page.getByLabel('SMS text').fill(`Your table is booked for {{context.time}} (${run}).`);
  const title = `Booking ${run}`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await hydrated(page);

  const name = `Booking SMS ${run}`;
  const card = page.getByTestId('save-content');
  await card.getByLabel('Name').fill(name);
  await card.getByRole('button', { name: 'Save content' }).click();
  await expect(card.getByTestId('saved')).toHaveText(`Saved as “${name}”. Start a campaign from it`);
  // The same name again is refused, naming what to do.
  await card.getByRole('button', { name: 'Save content' }).click();
  await expect(card.locator('.error')).toContainText('choose another name');

  await page.getByRole('link', { name: 'Saved content' }).first().click();
  await hydrated(page);
  const row = page.getByTestId('saved-content').getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('sms');
  await expect(row).toContainText(title);
  await row.getByRole('link', { name: 'Start a campaign' }).click();
  // Before hydration the server-rendered form already holds the saved content.
  await expect(page.getByTestId('started-from')).toContainText(name);
  await expect(page.getByLabel('SMS text')).toHaveValue(`Your table is booked for {{context.time}} (${run}).`);
  await expect(page.getByLabel('SMS', { exact: true })).toBeChecked();
  await hydrated(page);
  await expect(page.getByLabel('Identity namespace')).toHaveValue('phone');
  await expect(page.getByLabel('SMS text')).toHaveValue(`Your table is booked for {{context.time}} (${run}).`);
  const second = `Booking again ${run}`;
  await page.getByLabel('Title', { exact: true }).fill(second);
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: second })).toBeVisible();
  await expect(page.locator('main')).toContainText(`(${run}).`);

  await page.goto('/content');
  await hydrated(page);
  const again = page.getByTestId('saved-content').getByRole('row').filter({ hasText: name });
  await again.getByRole('button', { name: 'Delete…' }).click();
  await again.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByTestId('saved-content').getByRole('row').filter({ hasText: name })).toHaveCount(0);
  // The refused second save is the console's one error (its 409), nothing else.
  expect(problems.filter((p) => !p.includes('409'))).toEqual([]);
});
