// Approvals, on a Herald of the test's own that emails (a real SMTP sink): the owner requires
// approval and invites an editor and an approver, whose links are read from the sink; the editor
// (at phone width) writes a marketing campaign, cannot activate it, and requests approval; the
// approver reads the rendered content, approves, and the history says who did what; stopping
// asks for the campaign's name.
import { test, expect, type Browser } from '@playwright/test';
import { heraldWithMail, hydrated, signIn, watchConsole, type MailedHerald } from './herald';

let herald: MailedHerald;
test.beforeAll(async () => {
  herald = await heraldWithMail();
});
test.afterAll(() => herald?.stop());

/** A person who follows their invitation link in a browser of their own. */
async function join(browser: Browser, link: string, viewport: { width: number; height: number }) {
  const context = await browser.newContext({ baseURL: herald.baseURL, viewport });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(link);
  await hydrated(page);
  await page.getByLabel(/^Password/).fill('tangerine orbit canoe');
  await page.getByRole('button', { name: 'Save and sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Last 24 hours' })).toBeVisible();
  return { page, problems };
}

test('an editor requests approval and an approver approves', async ({ browser }) => {
  const ownerContext = await browser.newContext({ baseURL: herald.baseURL, viewport: { width: 1280, height: 900 } });
  const owner = await ownerContext.newPage();
  const problems = watchConsole(owner);
  await signIn(owner);
  await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
  await hydrated(owner);
  await owner.getByRole('button', { name: 'Require approval of marketing campaigns' }).click();
  await expect(owner.getByTestId('approval-policy')).toContainText('only once an approver other than their last editor');

  const links: Record<string, string> = {};
  for (const [email, role] of [['ed@example.org', 'editor'], ['ann@example.org', 'approver']]) {
    await owner.getByLabel('Email').fill(email);
    await owner.getByTestId('invite-role').selectOption(role);
    await owner.getByRole('button', { name: 'Invite' }).click();
    await expect(owner.getByTestId('invited')).toHaveText(`A link was emailed to ${email}. It works once, for 7 days.`);
    const mail = await herald.mailTo(email);
    expect(mail).toContain('Subject: Your invitation to Herald');
    links[email] = mail.match(/https?:\/\/\S+\/welcome\?token=\w+/)![0];
  }

  // The editor writes a marketing campaign; Activate is not theirs, and neither is approving.
  const ed = await join(browser, links['ed@example.org'], { width: 390, height: 844 });
  const title = `Spring sale ${Date.now()}`;
  await ed.page.getByRole('link', { name: 'New campaign' }).first().click();
  await hydrated(ed.page);
  await ed.page.getByLabel('Title').fill(title);
  await ed.page.getByLabel('Category').selectOption('marketing');
  await ed.page.getByLabel('Subject').fill('Spring sale, {{profile.person.name.firstName}}');
  await ed.page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(ed.page.getByRole('heading', { name: title })).toBeVisible();
  await hydrated(ed.page);
  const edCard = ed.page.getByTestId('approval');
  await expect(edCard).toContainText('This sandbox requires approval');
  await expect(ed.page.getByRole('button', { name: 'Activate' })).toHaveCount(0);
  await edCard.getByTestId('approval-note').fill('For the Friday newsletter');
  await edCard.getByRole('button', { name: 'Request approval' }).click();
  await expect(ed.page.getByRole('status')).toContainText('Approval requested');
  await expect(edCard.getByTestId('approval-status')).toContainText('Requested (version 1) by ed@example.org');
  await expect(edCard.getByRole('button', { name: 'Approve and activate' })).toHaveCount(0);
  const campaignUrl = ed.page.url().replace(herald.baseURL, '');

  // The approver sees the request and the rendered content, and approves with a comment.
  const ann = await join(browser, links['ann@example.org'], { width: 1280, height: 900 });
  await ann.page.goto(campaignUrl);
  await hydrated(ann.page);
  const card = ann.page.getByTestId('approval');
  await expect(card.getByTestId('approval-status')).toContainText('For the Friday newsletter');
  await expect(card.getByTestId('preview-subject')).toHaveText('Spring sale, Jane');
  await card.getByTestId('approval-comment').fill('Looks right');
  await card.getByRole('button', { name: 'Approve and activate' }).click();
  await expect(ann.page.locator('.title-row .badge')).toHaveText('Live');
  const history = ann.page.getByTestId('history');
  await expect(history).toContainText('approved (version 1: Looks right) by ann@example.org');
  await expect(history).toContainText('activated (version 1) by ann@example.org');
  await expect(history).toContainText('approval requested (version 1: For the Friday newsletter) by ed@example.org');

  // Stopping asks for the name, then stops for good.
  await ann.page.getByRole('button', { name: 'Stop campaign…' }).click();
  const stop = ann.page.getByRole('button', { name: 'Stop campaign', exact: true });
  await expect(stop).toBeDisabled();
  await ann.page.getByLabel(`Type ${title} to confirm`).fill(title);
  await stop.click();
  await expect(ann.page.locator('.title-row .badge')).toHaveText('Stopped');

  expect(problems).toEqual([]);
  expect(ed.problems).toEqual([]);
  expect(ann.problems).toEqual([]);
  await ownerContext.close();
});
