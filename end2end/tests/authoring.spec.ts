// Authoring beyond the basics: language variants with their fallback, an email preheader,
// push custom data, and dates in the marketer's own time zone.
import { test, expect } from '@playwright/test';
import { createApiKey, hydrated, signIn, watchConsole } from './herald';

// The browser runs in Toronto: dates are typed and shown there, stored as UTC instants.
test.use({ timezoneId: 'America/Toronto' });

test('language variants are edited in tabs, previewed, reviewed and sent by profile language', async ({ page, request }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  const title = `Welcome ${Date.now()}`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Preheader', { exact: false }).fill('Your reset link is inside');
  await page.getByRole('button', { name: 'Generate the text body from the HTML' }).click();
  await expect(page.getByLabel('Text body')).toHaveValue(
    'Hi {{profile.person.name.firstName}},\n\n[Reset your password][1]\n\n[1]: {{context.resetUrl}}');

  // A new language starts empty: the form says so, and the preview shows the default's parts.
  await page.getByLabel('New language').fill('fr-ca');
  await page.getByRole('button', { name: 'Add language' }).click();
  await expect(page.getByRole('tab', { name: 'fr-CA' })).toHaveAttribute('aria-selected', 'true');
  const subject = page.getByLabel('Subject', { exact: true });
  await expect(subject).toHaveValue('');
  await expect(subject).toHaveAttribute('placeholder', /^Reset your password/);
  await expect(page.getByTestId('content-problems')).toContainText('Language variant 1: the variant has no content');
  await subject.fill('Réinitialisez votre mot de passe, {{profile.person.name.firstName}}');
  await expect(page.getByTestId('content-problems')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Preview (fr-CA)' })).toBeVisible();
  await page.getByRole('button', { name: 'Sample data from the content' }).click();
  await expect(page.getByTestId('preview-subject')).toHaveText('Réinitialisez votre mot de passe, Jane');
  const frame = page.frameLocator('iframe[title="Email preview"]');
  await expect(frame.getByRole('link', { name: 'Reset your password' })).toBeVisible();

  // The default tab keeps its own parts.
  await page.getByRole('tab', { name: 'Default' }).click();
  await expect(subject).toHaveValue(/^Reset your password/);
  await expect(page.getByRole('heading', { name: 'Preview', exact: true })).toBeVisible();
  await expect(page.getByLabel('Profile attribute holding the language')).toHaveValue('preferredLanguage');

  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByTestId('review')).toContainText(
    'The fr-CA variant has no preheader, HTML body, text body: its recipients get the default content\'s.');
  await expect(page.getByTestId('variant')).toContainText('Réinitialisez votre mot de passe');
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.locator('.title-row .badge')).toHaveText('Live');
  const campaignId = (await page.getByTestId('campaign-id').textContent())!.trim();

  // Two recipients, one in Québec French (by their profile), one without a language.
  const key = createApiKey('languages');
  const recipient = (userId: string, profile: object) => ({
    type: 'external', userId, namespace: 'email', profile, context: { resetUrl: 'https://shop.test/r' },
  });
  const sent = await request.post('/ajo/im/executions/unitary', {
    headers: { Authorization: `Bearer ${key}` },
    data: {
      requestId: `lang-${Date.now()}`, campaignId, recipients: [
        recipient('amelie@example.ca', { preferredLanguage: 'fr_CA', person: { name: { firstName: 'Amélie' } } }),
        recipient('grace@example.com', { person: { name: { firstName: 'Grace' } } }),
      ],
    },
  });
  expect(sent.status()).toBe(202);
  await page.getByRole('link', { name: 'Sent messages' }).click();
  await expect(page.getByTestId('message').filter({ hasText: 'amelie@example.ca' }).locator('.subject'))
    .toHaveText('Réinitialisez votre mot de passe, Amélie');
  await expect(page.getByTestId('message').filter({ hasText: 'grace@example.com' }).locator('.subject'))
    .toHaveText('Reset your password, Grace');

  // The date filter takes days in the browser's zone.
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000)
    .toLocaleDateString('en-CA', { timeZone: 'America/Toronto' });
  await hydrated(page);
  await page.getByLabel('From', { exact: true }).fill(day(0));
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/utcOffset=-300/);
  await expect(page.getByTestId('message').filter({ hasText: 'amelie@example.ca' })).toBeVisible();
  await page.getByLabel('From', { exact: true }).fill('');
  await page.getByLabel('To', { exact: true }).fill(day(-1));
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('No message matches.')).toBeVisible();

  // The edit form brings the languages back.
  await page.goto(`/campaigns/${campaignId}/edit`);
  await hydrated(page);
  await page.getByRole('tab', { name: 'fr-CA' }).click();
  await expect(subject).toHaveValue(/^Réinitialisez/);
  expect(problems).toEqual([]);
});

test('push custom data is edited as key-values', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  await page.getByLabel('Push', { exact: true }).check();
  const title = `Order shipped ${Date.now()}`;
  await page.getByLabel('Title', { exact: true }).first().fill(title);
  await page.getByRole('button', { name: 'Add a key-value' }).click();
  await page.getByLabel('Data key').fill('screen');
  await page.getByLabel('Data value').fill('orders');
  await page.getByRole('button', { name: 'Add a key-value' }).click();
  await page.getByLabel('Data key').nth(1).fill('tab');
  await page.getByLabel('Data value').nth(1).fill('shipping');
  await page.getByRole('button', { name: 'Remove' }).first().click();
  await expect(page.getByLabel('Data key')).toHaveValue('tab');
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByTestId('push-data')).toHaveText('tab = shipping');
  expect(problems).toEqual([]);
});

test('dates are typed and shown in the marketer\'s time zone; a future start makes it scheduled', async ({ page, request }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/campaigns/new');
  await hydrated(page);
  await expect(page.getByTestId('time-zone')).toContainText('America/Toronto');
  const title = `Launch ${Date.now()}`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByText('Schedule, rate limit, description and tags').click();
  await page.getByLabel('Tags (comma-separated)').fill('launch, vip');
  await page.getByLabel('Accept calls from').fill('2999-01-01T08:00');
  await page.getByLabel('Rate limit (messages/s, 1–2000)').fill('50');
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.locator('.meta')).toContainText('accepts calls from 2999-01-01 08:00 EST');
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.locator('.title-row .badge')).toHaveText('Scheduled');

  // Stored as the UTC instant: 08:00 in Toronto in winter is 13:00 UTC.
  const campaignId = new URL(page.url()).pathname.split('/')[2];
  const admin = createApiKey('dates', 'admin');
  const stored = await (await request.get(`/api/v1/campaigns/${campaignId}`, {
    headers: { Authorization: `Bearer ${admin}` },
  })).json();
  expect(new Date(stored.startsAt).toISOString()).toBe('2999-01-01T13:00:00.000Z');

  // The edit form shows what was saved, in the same zone.
  await page.getByRole('link', { name: 'Edit' }).click();
  await hydrated(page);
  await expect(page.getByLabel('Accept calls from')).toHaveValue('2999-01-01T08:00');
  await expect(page.getByLabel('Tags (comma-separated)')).toHaveValue('launch, vip');
  await expect(page.getByLabel('Rate limit (messages/s, 1–2000)')).toHaveValue('50');
  expect(problems).toEqual([]);
});

test('an admin adds a custom namespace, campaigns use it, and it cannot be deleted while in use', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.getByRole('link', { name: 'Namespaces' }).click();
  await hydrated(page);
  const name = `loyalty${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Description').fill('Loyalty card number');
  await page.getByRole('button', { name: 'Add namespace' }).click();
  const row = page.getByTestId('namespace').filter({ hasText: name });
  await expect(row).toContainText('0 campaigns, 0 profile identities');

  await page.goto('/campaigns/new');
  await hydrated(page);
  const title = `Points ${Date.now()}`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.locator('select[name=namespace]').selectOption(name);
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.locator('.meta')).toContainText(name);

  await page.goto('/settings/namespaces');
  await hydrated(page);
  await expect(row).toContainText('1 campaigns, 0 profile identities');
  await expect(row.getByRole('button', { name: 'Delete' })).toBeDisabled();
  await expect(page.getByTestId('namespace').filter({ hasText: 'crmId' })).toContainText('standard');

  // An unused one is deleted.
  await page.getByLabel('Name').fill(`${name}x`);
  await page.getByRole('button', { name: 'Add namespace' }).click();
  const unused = page.getByTestId('namespace').filter({ hasText: `${name}x` });
  await unused.getByRole('button', { name: 'Delete' }).click();
  await expect(unused).toHaveCount(0);
  expect(problems).toEqual([]);
});
