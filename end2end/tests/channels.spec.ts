// One campaign per channel through the browser: SMS (with its live segment counter) and push,
// each activated, triggered with the page's own cURL request, and seen on "Sent messages".
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createApiKey, hydrated, signIn, watchConsole } from './herald';

async function createAndTrigger(page: Page, title: string): Promise<string> {
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.locator('.title-row .badge')).toHaveText('Live');
  const curl = (await page.getByTestId('curl').textContent())!;
  const answer = JSON.parse(execFileSync('bash', ['-c', curl], {
    env: { ...process.env, HERALD_API_KEY: createApiKey('channels') }, encoding: 'utf8',
  }));
  expect(answer.executionId).toMatch(/^[0-9a-f-]{36}$/);
  return curl;
}

test('a marketer creates, activates and triggers an SMS and a push campaign', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await hydrated(page);

  await page.getByRole('link', { name: 'New campaign' }).click();
  await hydrated(page);
  await page.getByLabel('SMS', { exact: true }).check();
  await expect(page.getByLabel('Identity namespace')).toHaveValue('phone');
  const sms = page.getByLabel('SMS text');
  await expect(sms).toHaveValue(/context\.otp/);
  await sms.fill('a'.repeat(161));
  await expect(page.getByTestId('sms-counter')).toHaveText('Template: 161 characters · GSM-7 · 2 segments');
  await expect(page.getByTestId('sms-preview-counter')).toHaveText('As sent with this sample: 161 characters · GSM-7 · 2 segments');
  await sms.fill('Dein Code: {{context.otp}} 👋');
  await expect(page.getByTestId('sms-counter')).toContainText('UCS-2');
  // Measured on the message as rendered, naming what makes it Unicode.
  await expect(page.getByTestId('sms-preview-counter')).toContainText('UCS-2 (Unicode) · 1 segment');
  await expect(page.getByTestId('ucs2-characters').locator('mark')).toHaveText(['👋']);
  const smsTitle = `OTP ${Date.now()}`;
  await page.getByLabel('Title').fill(smsTitle);
  const curl = await createAndTrigger(page, smsTitle);
  expect(curl).toContain('"userId": "+14155550123"');

  await page.goto('/campaigns/new');
  await hydrated(page);
  await page.getByLabel('Push', { exact: true }).check();
  const pushTitle = `Shipping ${Date.now()}`;
  await page.getByLabel('Title', { exact: true }).first().fill(pushTitle);
  await page.getByLabel('On tap').fill('shop://orders');
  await createAndTrigger(page, pushTitle);
  await expect(page.getByText('shop://orders')).toBeVisible();

  await page.getByRole('link', { name: 'Sent messages' }).click();
  const smsMessage = page.getByTestId('message').filter({ hasText: '+14155550123' }).first();
  await expect(smsMessage.locator('.channel')).toHaveText('sms');
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('message').filter({ hasText: 'DEVICE_TOKEN' }).first().locator('.badge')).toHaveText('captured (not delivered)', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await smsMessage.getByRole('link').click();
  await expect(page.locator('pre')).toContainText('Dein Code: 123456 👋');
  expect(problems).toEqual([]);
});
