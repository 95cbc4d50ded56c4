// Suppressions as a marketer meets them: an address that used its unsubscribe link is listed
// as a marketing opt-out, with why and since when, and is lifted from the page.
import { test, expect } from '@playwright/test';
import { createApiKey, hydrated, signIn, watchConsole } from './herald';

test('an opt-out made by an unsubscribe link is listed and lifted', async ({ page, request }) => {
  const problems = watchConsole(page);
  const auth = { Authorization: `Bearer ${createApiKey('suppressions', 'admin')}` };
  const run = `r${Date.now()}`;
  const address = `jane.${run}@example.org`;
  const created = await (await request.post('/api/v1/campaigns', {
    headers: auth,
    data: {
      title: `News ${run}`, category: 'marketing', subject: 'News',
      htmlBody: '<p>News</p><a href="{{unsubscribeUrl}}">Unsubscribe</a>', textBody: 'Unsubscribe: {{unsubscribeUrl}}',
    },
  })).json();
  expect((await request.post(`/api/v1/campaigns/${created.id}/activate`, { headers: auth })).status()).toBe(200);
  const sent = await request.post('/ajo/im/executions/unitary', {
    headers: auth,
    data: { requestId: `n-${run}`, campaignId: created.id, recipients: [{ type: 'external', userId: address, namespace: 'email' }] },
  });
  expect(sent.status()).toBe(202);
  // The message as stored (captured: no relay), and its unsubscribe link used once.
  let link = '';
  await expect(async () => {
    const found = await (await request.get(`/api/v1/messages?recipient=${encodeURIComponent(address)}`, { headers: auth })).json();
    const message = await (await request.get(`/api/v1/messages/${found.items[0].id}`, { headers: auth })).json();
    link = message.textBody.match(/Unsubscribe: (\S+)/)[1];
  }).toPass({ timeout: 10000 });
  expect((await request.post(new URL(link).pathname, { form: { 'List-Unsubscribe': 'One-Click' } })).status()).toBe(200);

  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Suppressions' }).click();
  await expect(page.getByRole('heading', { name: 'Suppressions', level: 1 })).toBeVisible();
  await hydrated(page);
  const row = page.getByTestId('opt-outs').getByRole('row').filter({ hasText: address });
  await expect(row).toContainText('unsubscribe link');
  await expect(row).toContainText('email');
  await page.setViewportSize({ width: 390, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the screen').toBeLessThanOrEqual(390);
  await row.getByRole('button', { name: 'Lift' }).click();
  await expect(page.getByRole('status')).toHaveText('Lifted.');
  await expect(page.getByText(address)).toHaveCount(0);
  expect(problems).toEqual([]);
});
