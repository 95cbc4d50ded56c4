// The content editor checks templates while typing (with positions), lists the variables, and
// previews the message with sample data the marketer edits.
import { test, expect } from '@playwright/test';
import { createApiKey, hydrated, signIn, watchConsole } from './herald';

test('template errors appear while typing and the preview follows the sample data', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);

  const html = page.getByLabel('HTML body');
  await html.fill('<p>{{#if context.vip}}VIP</p>');
  const errors = page.getByTestId('content-problems');
  await expect(errors).toContainText('HTML body');
  await expect(errors).toContainText('line 1');
  // In plain words, under the field, pointing at the cause; nothing is saved meanwhile.
  await expect(html).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#htmlBody-problem')).toHaveText(
    '`{{#if}}` opened on line 1, column 4 is never closed — add `{{/if}}`');
  await expect(page.getByRole('button', { name: 'Create campaign' })).toBeDisabled();
  // The last preview that worked stays, under the problem.
  await expect(page.getByTestId('preview-problem')).toContainText('The content has a problem');
  await expect(page.getByTestId('preview-subject')).toHaveText(/^Reset your password, /);

  await html.fill('<p>{{#if context.vip}}VIP {{/if}}<a href="{{context.resetUrl}}">Reset</a></p>');
  await expect(errors).toHaveCount(0);
  const variables = page.getByTestId('content-variables');
  await expect(variables.locator('li').filter({ hasText: 'context.vip' })).toContainText('optional');
  await expect(variables.locator('li').filter({ hasText: 'context.resetUrl' })).toContainText('required');
  await expect(variables.locator('li').filter({ hasText: 'profile.person.name.firstName' })).toContainText('profile');

  await page.getByLabel('Text body').fill('{{context.system.token}}');
  await expect(errors).toContainText('reserved');
  await page.getByLabel('Text body').fill('Reset: {{context.resetUrl}}');
  await expect(errors).toHaveCount(0);

  // The preview renders with the sample data, and follows edits to it.
  await page.getByRole('button', { name: 'Sample data from the content' }).click();
  await page.getByTestId('sample-profile').fill('{"person": {"name": {"firstName": "Grace"}}}');
  await page.getByTestId('sample-context').fill('{"resetUrl": "https://shop.test/r/1", "vip": true}');
  await expect(page.getByTestId('preview-subject')).toHaveText('Reset your password, Grace');
  const frame = page.frameLocator('iframe[title="Email preview"]');
  await expect(frame.getByText('VIP')).toBeVisible();
  await expect(frame.getByRole('link', { name: 'Reset' })).toHaveAttribute('href', 'https://shop.test/r/1');
  await page.getByTestId('sample-context').fill('{"resetUrl": ');
  await expect(page.getByTestId('preview')).toContainText('Context data is not valid JSON');

  // SMS previews as a phone shows it.
  await page.getByLabel('SMS', { exact: true }).check();
  // The sample data follows the channel's example content.
  await expect(page.getByTestId('sample-context')).toHaveValue(/"otp"/);
  await expect(page.getByTestId('sample-context')).not.toHaveValue(/resetUrl/);
  await page.getByTestId('sample-context').fill('{"otp": "987654"}');
  await expect(page.getByTestId('preview-text')).toHaveText('Your code is 987654. It expires in 10 minutes.');
  expect(problems).toEqual([]);
});

test('a live campaign is modified into version 2, activated, and calls use it', async ({ page, request }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  const title = `Versioned ${Date.now()}`;
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByTestId('review')).toContainText('No problems found');
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.locator('.title-row .badge')).toHaveText('Live');
  const campaignId = (await page.getByTestId('campaign-id').textContent())!.trim();

  await page.getByRole('link', { name: 'Edit' }).click();
  await hydrated(page);
  await expect(page.getByLabel('Identity namespace')).toBeDisabled();
  await page.getByLabel('Subject').fill('Version two for {{profile.person.name.firstName}}');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('pending-version')).toContainText('Version 2 is a draft');

  // Until activated, calls still render version 1.
  const key = createApiKey('versions');
  const call = (requestId: string) => request.post('/ajo/im/executions/unitary?dryRun=true', {
    headers: { Authorization: `Bearer ${key}` },
    data: { requestId, campaignId, recipients: [{ type: 'external', userId: 'v@example.org', namespace: 'email',
      profile: { person: { name: { firstName: 'Vera' } } }, context: { resetUrl: 'https://x.test' } }] },
  });
  let dry = await (await call('v1')).json();
  expect(dry.campaignVersion).toBe(1);
  expect(dry.recipients[0].rendered.subject).toBe('Reset your password, Vera');

  await page.getByRole('button', { name: 'Activate version 2' }).click();
  await expect(page.getByTestId('pending-version')).toHaveCount(0);
  dry = await (await call('v2')).json();
  expect(dry.campaignVersion).toBe(2);
  expect(dry.recipients[0].rendered.subject).toBe('Version two for Vera');
  await expect(page.getByTestId('history')).toContainText('activated (version 2) by marketer@example.com');

  // The list finds it by title and status, and says so when nothing matches.
  await page.getByRole('link', { name: 'Campaigns' }).click();
  await page.getByLabel('Search').fill(title);
  await page.getByLabel('Status').selectOption('live');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('campaign-row')).toHaveCount(1);
  await expect(page.getByTestId('campaign-row')).toContainText(title);
  await expect(page.getByTestId('page-info')).toHaveText('Page 1 of 1 · 1 campaigns');
  await page.getByLabel('Status').selectOption('archived');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByText('No campaign matches.')).toBeVisible();
  expect(problems).toEqual([]);
});

test('variables are inserted at the cursor, from known profile attributes, with a fallback', async ({ page, request }) => {
  const problems = watchConsole(page);
  // A stored profile makes its attributes known to the editor.
  const admin = createApiKey('attributes', 'admin');
  const stored = await request.put('/api/v1/profiles/email/known@example.org', {
    headers: { Authorization: `Bearer ${admin}` },
    data: { attributes: { loyalty: { tier: 'gold' } } },
  });
  expect([200, 201]).toContain(stored.status());

  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  const text = page.getByLabel('Text body');
  await text.fill('Hello!');
  await text.evaluate((el: HTMLTextAreaElement) => { el.focus(); el.setSelectionRange(0, 0); });
  const attributes = page.getByTestId('attributes');
  await attributes.getByRole('button', { name: 'profile.loyalty.tier' }).click();
  await expect(text).toHaveValue('{{profile.loyalty.tier}}Hello!');

  const subject = page.getByLabel('Subject');
  await subject.fill('Hi ');
  await subject.click();
  await subject.press('End');
  await attributes.getByLabel('Fallback when empty (optional)').fill('friend');
  await attributes.getByRole('button', { name: 'profile.person.name.firstName' }).click();
  await expect(subject).toHaveValue('Hi {{default profile.person.name.firstName "friend"}}');
  await expect(page.getByTestId('content-problems')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('text generated from HTML keeps every expression whole', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  const fallback = '{{#if profile.person.name.firstName}}{{profile.person.name.firstName}}{{else}}there{{/if}}';
  await page.getByLabel('HTML body').fill(
    `<p>Hello ${fallback}, here is a long paragraph about your order that wraps onto the next line ` +
      `and ends with ${fallback} again.</p><p><a href="{{context.resetUrl}}">Reset</a></p>`,
  );
  await page.getByRole('button', { name: 'Generate the text body from the HTML' }).click();
  const text = page.getByLabel('Text body');
  await expect(text).toHaveValue(/\[1\]: \{\{context\.resetUrl\}\}$/);
  expect((await text.inputValue()).split(fallback).length - 1).toBe(2);
  await expect(page.getByTestId('content-problems')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('a marketing email is offered its unsubscribe link', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  const attributes = page.getByTestId('attributes');
  await expect(attributes.getByRole('button', { name: 'unsubscribeUrl' })).toHaveCount(0);
  await page.getByLabel('Category').selectOption('marketing');
  const html = page.getByLabel('HTML body');
  await html.fill('<p>Spring sale. <a href="">Unsubscribe</a></p>');
  await html.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(25, 25));
  await attributes.getByRole('button', { name: 'unsubscribeUrl' }).click();
  await expect(html).toHaveValue('<p>Spring sale. <a href="{{unsubscribeUrl}}">Unsubscribe</a></p>');
  const frame = page.frameLocator('iframe[title="Email preview"]');
  await expect(frame.getByRole('link', { name: 'Unsubscribe' })).toHaveAttribute('href', 'https://herald.example/u/preview');
  expect(problems).toEqual([]);
});

test('the review adds a missing unsubscribe link in one click', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  const title = `No way out ${Date.now()}`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Category').selectOption('marketing');
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  const review = page.getByTestId('review');
  await expect(review).toContainText('A marketing email should offer a way to unsubscribe');
  await review.getByRole('button', { name: 'Add an unsubscribe link' }).click();
  await expect(review).not.toContainText('offer a way to unsubscribe');
  await expect(page.locator('pre.code').first()).toContainText('{{unsubscribeUrl}}');
  expect(problems).toEqual([]);
});

test('a refusal only the server finds is shown under its field, answered as a 400', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  await page.getByLabel('Title', { exact: true }).fill(`Backwards ${Date.now()}`);
  await page.getByText('Schedule, rate limit, description and tags').click();
  await page.getByLabel('Accept calls from').fill('2999-01-02T10:00');
  await page.getByLabel('Until').fill('2999-01-01T10:00');
  const answer = page.waitForResponse((r) => r.url().includes('/api/create_campaign'));
  await page.getByRole('button', { name: 'Create campaign' }).click();
  const response = await answer;
  expect(response.status()).toBe(400);
  const body = await response.json();
  expect(body.code).toBe('invalid_campaign');
  expect(body.fields).toEqual([{ field: 'endsAt', message: 'must be after startsAt' }]);
  await expect(page.getByLabel('Until')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#endsAt-problem')).toHaveText('must be after startsAt');
  await expect(page.getByLabel('Accept calls from')).toHaveAttribute('aria-invalid', 'false');
  // The server refused the request: the console's one error is that 400, nothing else.
  expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
});
