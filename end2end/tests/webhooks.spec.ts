// Webhooks as an admin meets them: one added with its secret shown once, its failing
// deliveries seen, its secret rotated, and it deleted after a second confirmation.
import { test, expect } from '@playwright/test';
import { createApiKey, hydrated, signIn, watchConsole } from './herald';

test('a webhook is added, its failed deliveries seen, its secret rotated and it is deleted', async ({ page, request }) => {
  const problems = watchConsole(page);
  const auth = { Authorization: `Bearer ${createApiKey('webhooks', 'admin')}` };
  const run = `r${Date.now()}`;
  // Nothing listens on port 9: every delivery fails and is retried.
  const url = `http://127.0.0.1:9/hooks/${run}`;

  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
  await expect(page.getByRole('heading', { name: 'Webhooks', level: 1 })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('URL').fill(url);
  await page.getByLabel('sent', { exact: true }).check();
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const secret = page.getByTestId('webhook-secret');
  await expect(secret).toHaveText(/^whsec_[0-9a-f]{48}$/);
  const first = await secret.textContent();
  const card = page.getByTestId('webhook').filter({ hasText: url });
  await expect(card).toContainText('sent · 0 waiting · 0 failed for good');

  // A message sent (captured) makes a "sent" event, which the dead endpoint refuses.
  const created = await (await request.post('/api/v1/campaigns', {
    headers: auth, data: { title: `Hooked ${run}`, category: 'transactional', subject: 'Hi', textBody: 'Hi' },
  })).json();
  expect((await request.post(`/api/v1/campaigns/${created.id}/activate`, { headers: auth })).status()).toBe(200);
  expect((await request.post('/ajo/im/executions/unitary', {
    headers: auth,
    data: { requestId: `h-${run}`, campaignId: created.id, recipients: [{ type: 'external', userId: `h.${run}@example.org`, namespace: 'email' }] },
  })).status()).toBe(202);
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await card.getByRole('button', { name: 'Show deliveries' }).click();
    await expect(card.getByTestId('webhook-deliveries')).toContainText('sent', { timeout: 1000 });
  }).toPass({ timeout: 20000 });
  const delivery = card.getByTestId('webhook-deliveries').getByRole('row').nth(1);
  await expect(delivery).toContainText('queued');
  await expect(delivery).not.toContainText(/^\s*$/);

  await card.getByRole('button', { name: 'Rotate secret' }).click();
  await expect(secret).not.toHaveText(first!);
  await expect(secret).toHaveText(/^whsec_/);

  await page.setViewportSize({ width: 390, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the screen').toBeLessThanOrEqual(390);
  await card.getByRole('button', { name: 'Delete…' }).click();
  await card.getByRole('button', { name: 'Yes, delete it' }).click();
  await expect(page.getByTestId('webhook').filter({ hasText: url })).toHaveCount(0);
  expect(problems).toEqual([]);
});
