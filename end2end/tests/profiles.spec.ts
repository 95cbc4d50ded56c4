// Profiles as a marketer meets them: a CSV import on a slow upload (its progress, its refused
// rows and their report), a search, a profile edited as JSON, and an erasure; at desktop and
// phone width.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { hydrated, signIn, watchConsole } from './herald';

test('a CSV import shows its progress and bad rows; a profile is found, edited and erased', async ({ page }) => {
  const problems = watchConsole(page);
  const run = `r${Date.now()}`;
  const rows = [
    'email,person.name.firstName,person.name.lastName,consents.marketing.email.val',
    `ana.${run}@example.org,Ana,Lima,y`,
    ',Nobody,,y',
    `bo.${run}@example.org,Bo,Berg,n`,
    `${'x'.repeat(321)},Too,Long,y`,
    `cy.${run}@example.org,Cy,Cole,y`,
  ];
  // Enough rows that a throttled upload takes a few seconds.
  for (let i = 0; i < 20000; i++) rows.push(`filler${i}.${run}@example.org,Filler,${i},n`);
  const file = Buffer.from(rows.join('\n') + '\n');

  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Profiles' }).click();
  await expect(page.getByRole('heading', { name: 'Profiles', level: 1 })).toBeVisible();
  await hydrated(page);

  // Uploads at ~300 KB/s (Chromium's network emulation), so the progress can be watched.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 300 * 1024,
  });
  const card = page.getByTestId('import');
  await card.getByLabel('File').setInputFiles({ name: `people-${run}.csv`, mimeType: 'text/csv', buffer: file });
  await card.getByRole('button', { name: 'Import' }).click();
  const progress = card.getByTestId('import-progress');
  await expect(progress).toBeVisible();
  await expect(card.getByText(/Uploading and importing… \d+ %/)).toBeVisible();
  await expect(card.getByTestId('import-result')).toHaveText(
    'Imported: 20003 created, 0 updated, 0 unchanged, 2 refused.', { timeout: 60000 });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });
  const errors = card.getByTestId('import-errors');
  await expect(errors.getByRole('row')).toHaveCount(3);
  await expect(errors.getByRole('row').nth(1)).toContainText('3');
  await expect(errors.getByRole('row').nth(1)).toContainText('has no identity');
  await expect(errors.getByRole('row').nth(2)).toContainText('email');
  await expect(errors.getByRole('row').nth(2)).toContainText('must be 1 to 320 characters');
  const download = page.waitForEvent('download');
  await card.getByRole('link', { name: 'Download the error report (CSV)' }).click();
  const report = readFileSync(await (await download).path(), 'utf8').trim().split('\n');
  expect(report[0]).toBe('row,column,reason');
  expect(report).toHaveLength(3);
  expect(report[1]).toMatch(/^3,,has no identity/);

  // Found by the start of an identity; opened; its consent and address are shown.
  await page.getByRole('searchbox', { name: 'Search' }).fill(`ana.${run}`);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('profile')).toHaveCount(1);
  await expect(page.getByTestId('profile')).toContainText('Ana Lima');
  await page.getByRole('link', { name: `email: ana.${run}@example.org` }).click();
  await expect(page.getByRole('heading', { name: `ana.${run}@example.org` })).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId('addresses')).toContainText('not opted out');
  await expect(page.getByText('email: yes')).toBeVisible();

  // Attributes edited as JSON: a typo is said with its place; a valid object is saved.
  const attributes = page.getByLabel(/As JSON/);
  await attributes.fill('{"person": {"name": {"firstName": "Ana"}}, "tier": gold}');
  await page.getByRole('button', { name: 'Save attributes' }).click();
  await expect(page.getByRole('alert')).toContainText('line 1, column');
  await attributes.fill('{"person": {"name": {"firstName": "Ana"}}, "tier": "gold"}');
  await page.getByRole('button', { name: 'Save attributes' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await expect(attributes).toHaveValue(/"tier": "gold"/);

  await page.setViewportSize({ width: 390, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the screen').toBeLessThanOrEqual(390);

  // Erasure asks once more, then says what it did.
  await page.getByRole('button', { name: 'Erase profile…' }).click();
  await page.getByRole('button', { name: 'Yes, erase this profile' }).click();
  await expect(page.getByTestId('erased')).toContainText('The profile is gone; 0 stored messages');
  await page.goto(`/profiles?q=ana.${run}`);
  await expect(page.getByText('No profiles match.')).toBeVisible();
  expect(problems).toEqual([]);
});
