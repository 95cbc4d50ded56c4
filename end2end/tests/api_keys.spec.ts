// API keys in the browser: created (the secret shown once), used, revoked.
import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './herald';

test('a marketer creates an API key, sees it once, and revokes it', async ({ page, request }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await hydrated(page);
  await page.getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByRole('heading', { name: 'API keys' })).toBeVisible();

  await page.getByLabel('Name').fill('to-revoke');
  await page.getByRole('button', { name: 'Create API key' }).click();
  const key = (await page.getByTestId('new-api-key').textContent())!.trim();
  expect(key).toMatch(/^hk_[A-Za-z0-9]{40,}$/);
  const row = page.getByTestId('api-key').filter({ hasText: 'to-revoke' });
  await expect(row).toContainText('active');
  await expect(row).not.toContainText(key);

  // The key authenticates (the empty body is then refused for what it is).
  const call = () => request.post('/ajo/im/executions/unitary', {
    headers: { Authorization: `Bearer ${key}` }, data: {},
  });
  expect((await call()).status()).toBe(400);

  await row.getByRole('button', { name: 'Revoke to-revoke…' }).click();
  const revoking = row.getByRole('group', { name: 'Revoke to-revoke…' });
  await expect(revoking.getByRole('button', { name: 'Revoke key' })).toBeDisabled();
  await revoking.getByLabel('Type to-revoke to confirm').fill('to-revoke');
  await revoking.getByRole('button', { name: 'Revoke key' }).click();
  await expect(page.getByText('Revoked: calls with that key are refused from now on.')).toBeVisible();
  await expect(row).toContainText('revoked');
  expect((await call()).status()).toBe(401);

  await page.reload();
  await expect(page.getByTestId('new-api-key')).toHaveCount(0);
  await expect(page.getByTestId('api-key').filter({ hasText: 'to-revoke' })).toContainText('revoked');
  // The API page documents the routes and links the OpenAPI document, which is real.
  await page.getByRole('link', { name: 'API', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Trigger a campaign' })).toBeVisible();
  await expect(page.getByRole('link', { name: '/openapi.json' })).toHaveAttribute('href', '/openapi.json');
  const doc = await (await request.get('/openapi.json')).json();
  expect(doc.openapi).toMatch(/^3\.1/);
  expect(Object.keys(doc.paths)).toContain('/api/v1/campaigns');
  expect(problems).toEqual([]);
});
