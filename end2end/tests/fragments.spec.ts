// Fragments: a footer two campaigns include. The editor offers it and previews it expanded; the
// fragment's page lists both campaigns, and after an edit says they take it in their next
// version; a fragment in use cannot be deleted, an unused one can.
import { test, expect, Page } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './herald';

async function createCampaign(page: Page, title: string, body: string, fragment: string) {
  await page.goto('/campaigns/new');
  await hydrated(page);
  await page.getByLabel('Title', { exact: true }).fill(title);
  const html = page.getByLabel('HTML body');
  await html.fill(body);
  await html.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(el.value.length, el.value.length));
  await page.getByTestId('fragment-chips').getByRole('button', { name: fragment }).click();
  await expect(html).toHaveValue(`${body}{{> ${fragment}}}`);
  // The preview shows the fragment expanded, with the sample data.
  const frame = page.frameLocator('iframe[title="Email preview"]');
  await expect(frame.getByText('You receive this as a customer of Example')).toBeVisible();
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
}

test('a footer two campaigns include, edited once', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  const run = Date.now();
  const name = `footer-${run}`;
  await page.goto('/fragments');
  await hydrated(page);
  const form = page.getByTestId('fragment-form');
  // A name that cannot be written in {{> name}} is refused under the field.
  await form.getByRole('textbox', { name: /^Name/ }).fill('Footer One');
  await form.getByRole('textbox', { name: /^Content/ }).fill('<p>x</p>');
  await form.getByRole('button', { name: 'Create fragment' }).click();
  await expect(form.locator('#fragment-name-problem')).toContainText('must start with a lowercase letter');
  await form.getByRole('textbox', { name: /^Name/ }).fill(name);
  await form.getByRole('textbox', { name: /^Content/ }).fill('<p>You receive this as a customer of Example.</p>');
  await form.getByRole('button', { name: 'Create fragment' }).click();
  await expect(form.getByTestId('fragment-saved')).toHaveText(`Saved “${name}”. Include it with {{> ${name}}}.`);
  const row = page.getByTestId('fragments').getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('no campaign');

  await createCampaign(page, `Welcome ${run}`, '<p>Welcome!</p>', name);
  await createCampaign(page, `Receipt ${run}`, '<p>Thanks for your order.</p>', name);

  await page.goto('/fragments');
  await hydrated(page);
  await expect(row).toContainText('2 campaigns');
  await row.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name: `Fragment “${name}”` })).toBeVisible();
  await hydrated(page);
  const usedBy = page.getByTestId('fragment-used-by');
  await expect(usedBy.getByRole('row')).toHaveCount(3);
  await expect(usedBy.getByRole('row').filter({ hasText: `Welcome ${run}` })).toContainText('included');
  await expect(page.getByRole('button', { name: 'Delete fragment…' })).toHaveCount(0);

  // An edit reaches the campaigns in their next version, and the page says so.
  const edit = page.getByTestId('fragment-form');
  await expect(edit.getByRole('textbox', { name: /^Name/ })).toHaveAttribute('readonly', '');
  await edit.getByRole('textbox', { name: /^Content/ }).fill('<p>You receive this as a valued customer of Example.</p>');
  await edit.getByRole('button', { name: 'Save fragment' }).click();
  await expect(usedBy.getByRole('row').filter({ hasText: `Receipt ${run}` })).toContainText('in its next version');
  await expect(usedBy.getByRole('row').filter({ hasText: `Welcome ${run}` })).toContainText('in its next version');

  // An unused fragment is deleted from its page.
  const spare = `spare-${run}`;
  await page.goto('/fragments');
  await hydrated(page);
  await form.getByRole('textbox', { name: /^Name/ }).fill(spare);
  await form.getByRole('textbox', { name: /^Content/ }).fill('<p>Spare</p>');
  await form.getByRole('button', { name: 'Create fragment' }).click();
  await page.getByTestId('fragments').getByRole('link', { name: spare }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Delete fragment…' }).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page).toHaveURL(/\/fragments$/);
  await expect(page.getByTestId('fragments').getByRole('row').filter({ hasText: spare })).toHaveCount(0);
  // The refused name is the console's one error (its 400), nothing else.
  expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
});
