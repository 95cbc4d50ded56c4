// Tenancy in the browser: a new sandbox, switching to it, a campaign that lives only there, and
// an API key restricted to that campaign that the cURL sample works with.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createApiKey, hydrated, signIn, watchConsole } from './herald';

test('campaigns and keys live in one sandbox', async ({ page, request }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await hydrated(page);
  const name = `dev${Date.now()}`;

  await page.getByRole('link', { name: 'Sandboxes' }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create sandbox' }).click();
  await expect(page.getByTestId('sandbox').filter({ hasText: name })).toBeVisible();

  // The current sandbox's time zone (for local-time sends): an unknown one is refused by name.
  const defaults = page.getByTestId('sandbox-defaults');
  await hydrated(page);
  await defaults.getByLabel('Time zone').fill('Mars/Olympus');
  await defaults.getByRole('button', { name: 'Save settings' }).click();
  await expect(defaults.getByRole('alert')).toContainText('Time zone: is not a time zone of the IANA database');
  await defaults.getByLabel('Time zone').fill('europe/paris');
  await defaults.getByRole('button', { name: 'Save settings' }).click();
  await expect(defaults.getByRole('status')).toHaveText('Saved.');
  await expect(defaults.getByLabel('Time zone')).toHaveValue('Europe/Paris');
  await defaults.getByLabel('Time zone').fill('');
  await defaults.getByRole('button', { name: 'Save settings' }).click();
  await expect(defaults.getByLabel('Time zone')).toHaveValue('UTC');

  await page.getByTestId('sandbox-select').selectOption({ label: `herald / ${name}` });
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await expect(page.getByTestId('sandbox-select').locator('option:checked')).toHaveText(`herald / ${name}`);
  // A new sandbox has no sender: the home page says its messages are only captured.
  await expect(page.getByTestId('capture-banner')).toContainText('Messages are captured, not delivered');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Campaigns' }).click();
  await expect(page.getByText('No campaigns yet.')).toBeVisible();

  // A campaign in the new sandbox that creates profiles for unknown recipients.
  await page.getByRole('link', { name: 'New campaign' }).click();
  await page.getByLabel('Title').fill('Sandboxed welcome');
  await page.getByLabel('Create new profiles').check();
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByText('creates new profiles')).toBeVisible();
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.locator('.title-row .badge')).toHaveText('Live');
  const campaignId = (await page.getByTestId('campaign-id').textContent())!.trim();
  const curl = (await page.getByTestId('curl').textContent())!;
  expect(curl).toContain(`x-sandbox-name: ${name}`);
  expect(curl).toContain('"type": "aep"');

  // A key of this sandbox, allowed to trigger only this campaign.
  await page.getByRole('link', { name: 'API keys' }).click();
  await hydrated(page);
  await page.getByLabel('Name').fill('sandboxed');
  await page.getByLabel('Allow only some campaigns').check();
  await page.getByLabel('Sandboxed welcome').check();
  await page.getByRole('button', { name: 'Create API key' }).click();
  const key = (await page.getByTestId('new-api-key').textContent())!.trim();
  const row = page.getByTestId('api-key').filter({ hasText: 'sandboxed' });
  await expect(row).toContainText(`herald / ${name}`);
  await expect(row).toContainText('only: Sandboxed welcome');

  const run = (apiKey: string) => JSON.parse(execFileSync('bash', ['-c', curl], {
    env: { ...process.env, HERALD_API_KEY: apiKey }, encoding: 'utf8',
  }));
  expect(run(key).executionId).toMatch(/^[0-9a-f-]{36}$/);
  // A key of the prod sandbox names another sandbox than the request's header.
  expect(run(createApiKey('prod-key')).code).toBe('sandbox_mismatch');
  const unheaded = await request.post('/ajo/im/executions/unitary', {
    headers: { Authorization: `Bearer ${createApiKey('prod-key-2')}` },
    data: { requestId: 'x', campaignId, recipients: [{ type: 'external', userId: 'a@example.org', namespace: 'email', context: { resetUrl: 'u' } }] },
  });
  expect(unheaded.status()).toBe(404);

  // Back in prod, the sandboxed campaign is not listed.
  await page.getByTestId('sandbox-select').selectOption({ label: 'herald / prod' });
  await page.getByRole('button', { name: 'Switch' }).click();
  await hydrated(page);
  await expect(page.getByTestId('sandbox-select').locator('option:checked')).toHaveText('herald / prod');
  await expect(page.getByRole('link', { name: 'Sandboxed welcome' })).toHaveCount(0);
  expect(problems).toEqual([]);
});
