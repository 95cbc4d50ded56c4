// Channel surfaces in the browser: an SMS surface on a JSON webhook gateway (a real local HTTP
// server here), chosen by a campaign, carries that campaign's messages; its token is never shown.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKey, hydrated, signIn, watchConsole } from './herald';

test('an SMS surface on a webhook gateway carries its campaign\'s messages', async ({ page }) => {
  const received: { auth: string | undefined; body: any }[] = [];
  const gateway = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, body: JSON.parse(data) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `gw-${received.length}` }));
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
  const problems = watchConsole(page);
  await signIn(page);
  await hydrated(page);

  await page.getByRole('link', { name: 'Surfaces' }).click();
  await hydrated(page);
  const form = page.getByTestId('surface-form');
  const surfaceName = `Gateway ${Date.now()}`;
  await form.getByLabel('Name', { exact: true }).fill(surfaceName);
  await form.getByLabel('Channel').selectOption('sms');
  await form.locator('select[name=provider]').selectOption('webhook');
  await form.getByLabel('Sender').fill('ACME');
  await form.getByLabel('Gateway URL').fill(gatewayUrl);
  await form.getByLabel('Bearer token').fill('gateway-secret-token');
  await form.getByRole('button', { name: 'Create surface' }).click();
  const row = page.getByTestId('surface').filter({ hasText: surfaceName });
  await expect(row).toContainText('JSON webhook');
  await expect(page.getByText('gateway-secret-token')).toHaveCount(0);

  // "Verify" connects to the gateway and says what it answered; nothing is sent.
  await row.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByTestId('surface-check')).toContainText(
    `${surfaceName} (webhook) answered: The gateway answered HTTP 405 to a HEAD request`);
  expect(received).toHaveLength(0);

  // Editing shows the saved token as kept, never its value.
  await row.getByRole('button', { name: 'Edit' }).click();
  const token = form.getByLabel('Bearer token');
  await expect(token).toHaveValue('');
  await expect(token).toHaveAttribute('placeholder', 'saved — leave empty to keep');
  await form.getByRole('button', { name: 'Cancel' }).click();

  await page.goto('/campaigns/new');
  await hydrated(page);
  await page.getByLabel('SMS', { exact: true }).check();
  await page.getByLabel('Surface').selectOption({ label: surfaceName });
  const title = `Gateway OTP ${Date.now()}`;
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByTestId('surface-name')).toHaveText(surfaceName);
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.locator('.title-row .badge')).toHaveText('Live');
  const curl = (await page.getByTestId('curl').textContent())!;
  execFileSync('bash', ['-c', curl], {
    env: { ...process.env, HERALD_API_KEY: createApiKey('surfaces') }, encoding: 'utf8',
  });

  await expect.poll(() => received.length, { timeout: 15_000 }).toBe(1);
  expect(received[0].auth).toBe('Bearer gateway-secret-token');
  expect(received[0].body).toMatchObject({ to: '+14155550123', from: 'ACME', text: expect.stringContaining('123456') });
  gateway.close();
  expect(problems).toEqual([]);
});
