// A team in the browser: the owner invites an editor (the link is shown: no email sender is
// configured here), the editor joins through it, writes but cannot activate, and once the owner
// makes them approver, activates.
import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './herald';

test('an invited editor joins, cannot activate, and can once made approver', async ({ page, browser }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await hydrated(page);
  const title = `Team draft ${Date.now()}`;
  await page.getByRole('link', { name: 'New campaign' }).click();
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  const campaignUrl = page.url();

  const email = `ed${Date.now()}@example.org`;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByTestId('invite-role').selectOption('editor');
  await page.getByRole('button', { name: 'Invite' }).click();
  const invited = page.getByTestId('invited');
  await expect(invited).toContainText('No email sender is configured');
  const link = (await invited.textContent())!.match(/https?:\/\/\S+\/welcome\?token=\w+/)![0];
  await expect(page.getByTestId('invitation').filter({ hasText: email })).toContainText('editor');

  // The editor, in a browser of their own, at phone width.
  const editorContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const editor = await editorContext.newPage();
  const editorProblems = watchConsole(editor);
  await editor.goto(link);
  await expect(editor.getByText(`as editor. Choose a password for ${email}`)).toBeVisible();
  await hydrated(editor);
  await editor.getByLabel(/^Password/).fill('password123');
  await editor.getByRole('button', { name: 'Save and sign in' }).click();
  await expect(editor.getByRole('alert')).toContainText('too easily guessed');
  await editor.getByLabel(/^Password/).fill('tangerine orbit canoe');
  await editor.getByRole('button', { name: 'Save and sign in' }).click();
  await expect(editor.getByRole('heading', { name: 'Last 24 hours' })).toBeVisible();
  await expect(editor.getByTestId('role')).toHaveText('editor');
  // The link worked once.
  await editor.goto(link);
  await expect(editor.getByRole('alert')).toContainText('expired or was already used');

  await editor.goto(campaignUrl);
  await expect(editor.getByTestId('needs-approver')).toBeVisible();
  await expect(editor.getByRole('button', { name: 'Activate' })).toHaveCount(0);
  await expect(editor.getByRole('link', { name: 'Edit', exact: true })).toBeVisible();

  // The owner makes them approver; now they can activate (and no longer edit).
  await page.reload();
  await hydrated(page);
  const row = page.getByTestId('member').filter({ hasText: email });
  await row.getByRole('combobox').selectOption('approver');
  await row.getByRole('button', { name: 'Change' }).click();
  await expect(row.getByRole('combobox')).toHaveValue('approver');

  await editor.goto(campaignUrl);
  await hydrated(editor);
  await editor.getByRole('button', { name: 'Activate' }).click();
  await expect(editor.locator('.badge')).toHaveText('Live');
  await expect(editor.getByRole('link', { name: 'Edit', exact: true })).toHaveCount(0);
  await expect(editor.getByTestId('history')).toContainText(`activated`);

  expect(problems).toEqual([]);
  expect(editorProblems).toEqual([]);
  await editorContext.close();
});
