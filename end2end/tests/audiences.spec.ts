// Audiences as a marketer meets them: a rule whose size shows while it is typed, a static list
// filled by identity, and an audience send followed on the campaign page, at desktop and phone
// width.
import { test, expect } from '@playwright/test';
import { MARKETER, createApiKey, hydrated, signIn, watchConsole } from './herald';

test('a rule-based audience is counted while typed, and its send shows its progress', async ({ page, request }) => {
  const problems = watchConsole(page);
  const admin = createApiKey('audiences', 'admin');
  const auth = { Authorization: `Bearer ${admin}` };
  const run = `r${Date.now()}`;
  // Three people of this run, two of them French.
  for (const [name, language] of [['ana', 'fr'], ['bo', 'fr'], ['cy', 'de']]) {
    const email = `${name}.${run}@example.org`;
    const put = await request.put(`/api/v1/profiles/email/${email}`, {
      headers: auth,
      data: { attributes: { run, preferredLanguage: language, person: { name: { firstName: name } } } },
    });
    expect(put.status()).toBe(201);
  }

  await signIn(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audiences' }).click();
  await hydrated(page);
  const rule = page.getByTestId('audience-rule');
  await rule.fill(`run = ${run} AND preferredLanguage`);
  await expect(page.getByTestId('audience-count')).toContainText('after "preferredLanguage" comes');
  await rule.fill(`run = ${run} AND preferredLanguage = fr`);
  await expect(page.getByTestId('audience-count')).toHaveText('2 profiles pass this rule now.');
  await page.getByLabel('Name', { exact: true }).fill(`French ${run}`);
  await page.getByRole('button', { name: 'Create audience' }).click();
  const french = page.getByTestId('audience').filter({ hasText: `French ${run}` });
  await expect(french).toContainText(`run = ${run} AND preferredLanguage = fr`);
  await expect(french).toContainText('counted at send time');

  // A static list, filled by identity; an identity nobody has is said so.
  await page.getByLabel('Name', { exact: true }).fill(`VIP ${run}`);
  await page.getByTestId('audience-rule').fill('');
  await page.getByRole('button', { name: 'Create audience' }).click();
  const vip = page.getByTestId('audience').filter({ hasText: `VIP ${run}` });
  await expect(vip).toContainText('0 members');
  const addRow = vip.locator('xpath=following-sibling::tr[1]');
  await addRow.getByLabel(/Add members/).fill(`cy.${run}@example.org\nnobody.${run}@example.org`);
  await addRow.getByRole('button', { name: 'Add members' }).click();
  await expect(page.getByRole('status')).toContainText(`1 added; 1 member now. No profile has email:nobody.${run}@example.org.`);
  await expect(vip).toContainText('1 member');

  // A campaign whose own audience is the French one, sent from its page after a review.
  const audiences = await (await request.get('/api/v1/audiences', { headers: auth })).json();
  const audienceId = audiences.items.find((a: any) => a.name === `French ${run}`).id;
  const created = await (await request.post('/api/v1/campaigns', {
    headers: auth,
    data: { title: `Bonjour ${run}`, subject: 'Bonjour {{profile.person.name.firstName}} {{context.week}}', textBody: 'Salut', audienceId },
  })).json();
  expect((await request.post(`/api/v1/campaigns/${created.id}/activate`, { headers: auth })).status()).toBe(200);

  await page.goto(`/campaigns/${created.id}`);
  await hydrated(page);
  const sends = page.getByTestId('audience-sends');
  await expect(sends).toContainText(`Sends that name no audience go to “French ${run}”`);
  await expect(sends.getByLabel('Audience')).toHaveValue(audienceId);
  const context = sends.getByLabel(/Context/);
  await expect(context).toHaveValue(/"week": ""/);
  await context.fill('{"week": "49"}');
  await sends.getByRole('button', { name: 'Review send' }).click();
  await expect(sends.getByTestId('send-review')).toContainText(`Send to “French ${run}” (rule-based, counted when it starts) now?`);
  await sends.getByRole('button', { name: 'Confirm send' }).click();
  await expect(sends.getByTestId('send-outcome')).toContainText('The send has started');
  await expect(sends.getByTestId('audience-send')).toContainText(`by ${MARKETER.email}`);
  await expect(sends.getByTestId('audience-send-counts')).toContainText('2 of 2 queued', { timeout: 15000 });
  await expect(sends.getByTestId('audience-send-counts')).toContainText('2 sent', { timeout: 15000 });

  // Later: the schedule is listed until deleted.
  await sends.getByLabel('Later').check();
  await sends.getByLabel('Send at').fill('2099-06-01T09:00');
  await sends.getByRole('button', { name: 'Review send' }).click();
  await expect(sends.getByTestId('send-review')).toContainText('at 2099-06-01');
  await sends.getByRole('button', { name: 'Confirm send' }).click();
  const schedule = sends.getByTestId('schedule');
  await expect(schedule).toContainText(`French ${run} · scheduled for`);
  await expect(schedule).toContainText('2099');
  await schedule.getByRole('button', { name: 'Delete schedule' }).click();
  await expect(schedule).toHaveCount(0);
  // At a local time: each member at 09:00 on their own clock.
  await sends.getByLabel("At a local time in each member's time zone").check();
  await sends.getByLabel('Send at').fill('2099-06-01T09:00');
  await sends.getByRole('button', { name: 'Review send' }).click();
  await expect(sends.getByTestId('send-review')).toContainText("at 09:00 on 1 Jun 2099 in each member's time zone?");
  await sends.getByRole('button', { name: 'Confirm send' }).click();
  await expect(schedule).toContainText("scheduled for 09:00 on 1 Jun 2099 in each member's time zone (from");
  await schedule.getByRole('button', { name: 'Delete schedule' }).click();
  await expect(schedule).toHaveCount(0);
  // The history (read when the page loads) says who did what.
  await page.reload();
  await hydrated(page);
  for (const action of ['deleted a schedule', 'scheduled a send', 'sent to an audience']) {
    await expect(page.getByText(action, { exact: true }).first()).toBeVisible();
  }

  await page.setViewportSize({ width: 390, height: 800 });
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audiences' }).click();
  await hydrated(page);
  await expect(french).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the screen').toBeLessThanOrEqual(390);
  expect(problems).toEqual([]);
});
