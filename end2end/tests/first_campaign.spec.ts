// The foundation's promise, as a marketer and an integrator live it: sign in, create an
// API-triggered email campaign, activate it, copy its ID and cURL request, trigger it, and
// see the personalised message on the "Sent messages" page.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createApiKey, hydrated, signIn, watchConsole } from './herald';

test('a marketer creates, activates and triggers a campaign, and sees the email', async ({ page, request }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await hydrated(page);

  const title = `Password reset ${Date.now()}`;
  await page.getByRole('link', { name: 'New campaign' }).click();
  await page.getByLabel('Title').fill(title);
  await expect(page.getByLabel('Subject')).toHaveValue('Reset your password, {{profile.person.name.firstName}}');
  await page.getByRole('button', { name: 'Create campaign' }).click();

  await expect(page).toHaveURL(/\/campaigns\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.locator('.title-row .badge')).toHaveText('Draft');
  await expect(page.locator('ul.vars')).toContainText('context.resetUrl');

  // A test send with the sample data, before going live (no relay here: the capture takes it).
  const sendTest = page.getByTestId('send-test');
  await expect(sendTest.getByLabel('Sample context (JSON)')).toHaveValue(/resetUrl/);
  await sendTest.getByLabel('Email address').fill('me@example.com');
  await sendTest.getByRole('button', { name: 'Send test' }).click();
  await expect(sendTest.getByTestId('test-result')).toHaveText(
    'Captured, not delivered: no sender is configured. It is listed below.');
  // Listed on the campaign page, and opened: what was sent, rendered with the sample data.
  const tests = sendTest.getByTestId('test-sends');
  await expect(tests.locator('tbody tr')).toHaveCount(1);
  await expect(tests).toContainText('me@example.com');
  await expect(tests).toContainText('captured (not delivered)');
  await tests.getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Test send to me@example.com' })).toBeVisible();
  await expect(page.getByTestId('test-send-subject')).toHaveText('[Test] Reset your password, Jane');
  await expect(page.frameLocator('iframe[title="Rendered HTML"]').getByRole('link', { name: 'Reset your password' }))
    .toBeVisible();
  await page.getByRole('link', { name: title }).click();

  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.locator('.title-row .badge')).toHaveText('Live');
  const campaignId = (await page.getByTestId('campaign-id').textContent())!.trim();
  expect(page.url()).toContain(campaignId);
  const curl = (await page.getByTestId('curl').textContent())!;
  expect(curl).toContain(`"campaignId": "${campaignId}"`);
  expect(curl).toContain('"resetUrl"');

  // The cURL request from the page, pasted into a shell, is accepted.
  const apiKey = createApiKey('e2e');
  const answer = JSON.parse(execFileSync('bash', ['-c', curl], {
    env: { ...process.env, HERALD_API_KEY: apiKey }, encoding: 'utf8',
  }));
  expect(answer.executionId).toMatch(/^[0-9a-f-]{36}$/);

  // An integration's own call, with its own profile and context data.
  const response = await request.post('/ajo/im/executions/unitary', {
    headers: { Authorization: `Bearer ${apiKey}` },
    data: {
      requestId: `e2e-${Date.now()}`,
      campaignId,
      recipients: [{
        type: 'external', userId: 'ada@example.org', namespace: 'email',
        profile: { person: { name: { firstName: 'Ada' } } },
        context: { resetUrl: 'https://shop.test/reset/abc' },
      }],
    },
  });
  expect(response.status()).toBe(202);

  await page.getByRole('link', { name: 'Sent messages' }).click();
  await expect(page.getByRole('heading', { name: 'Sent messages' })).toBeVisible();
  const ada = page.getByTestId('message').filter({ hasText: 'ada@example.org' });
  await expect(async () => {
    await page.reload();
    await expect(ada.locator('.badge')).toHaveText('captured (not delivered)', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(ada).toContainText('Reset your password, Ada');
  await expect(page.getByTestId('message').filter({ hasText: 'jane@example.com' })).toContainText('Reset your password, Jane');

  // The explorer finds it by recipient; its page shows the content, timeline and attempts.
  await page.getByRole('searchbox', { name: 'Recipient' }).fill('ada@example.org');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/recipient=ada%40example.org/);
  await expect(page.getByTestId('message')).toHaveCount(1);
  await page.getByRole('link', { name: 'ada@example.org' }).click();
  await expect(page.getByRole('heading', { name: 'ada@example.org' })).toBeVisible();
  const preview = page.frameLocator('iframe.preview');
  await expect(preview.getByRole('link', { name: 'Reset your password' })).toHaveAttribute('href', 'https://shop.test/reset/abc');
  await expect(page.locator('pre')).toContainText('Reset your password: https://shop.test/reset/abc');
  await expect(page.getByTestId('timeline')).toContainText('attempt 1 via capture: sent');
  await expect(page.getByTestId('attempt')).toHaveCount(1);

  // Stopping is for good: the campaign refuses the next call.
  await page.goto(`/campaigns/${campaignId}`);
  await hydrated(page);
  // Stopping asks for the campaign's name: no single click stops it.
  await page.getByRole('button', { name: 'Stop campaign…' }).click();
  const stopping = page.getByRole('group', { name: 'Stop campaign…' });
  const stopButton = stopping.getByRole('button', { name: 'Stop campaign', exact: true });
  await expect(stopButton).toBeDisabled();
  await stopping.getByLabel(`Type ${title} to confirm`).fill('not the name');
  await expect(stopButton).toBeDisabled();
  await stopping.getByRole('button', { name: 'Keep it' }).click();
  await expect(stopping).toHaveCount(0);
  await expect(page.locator('.title-row .badge')).toHaveText('Live');
  await page.getByRole('button', { name: 'Stop campaign…' }).click();
  await stopping.getByLabel(`Type ${title} to confirm`).fill(title);
  await stopButton.click();
  await expect(page.getByText('Stopped: the campaign refuses new trigger calls.')).toBeVisible();
  await expect(page.locator('.title-row .badge')).toHaveText('Stopped');
  await expect(page.getByTestId('curl')).toHaveCount(0);
  const refused = await request.post('/ajo/im/executions/unitary', {
    headers: { Authorization: `Bearer ${apiKey}` },
    data: {
      requestId: `e2e-stopped-${Date.now()}`, campaignId,
      recipients: [{ type: 'external', userId: 'ada@example.org', namespace: 'email', context: { resetUrl: 'https://shop.test/r' } }],
    },
  });
  expect(refused.status()).toBe(422);
  expect((await refused.json()).code).toBe('campaign_not_live');

  // Duplicating is how a stopped campaign sends again; a draft can be deleted.
  await page.getByRole('button', { name: 'Duplicate' }).click();
  await expect(page.getByRole('heading', { name: `Copy of ${title}` })).toBeVisible();
  await expect(page.locator('.title-row .badge')).toHaveText('Draft');
  expect(page.url()).not.toContain(campaignId);
  await page.getByRole('button', { name: 'Delete draft…' }).click();
  await page.getByRole('button', { name: 'Delete draft', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Campaigns' })).toBeVisible();
  await expect(page.getByRole('link', { name: title, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: `Copy of ${title}` })).toHaveCount(0);

  expect(problems).toEqual([]);
});

test('a wrong password is refused with a message', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill('marketer@example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login\?error=/);
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password. Try again.');
});
