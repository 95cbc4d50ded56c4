// At phone width (390 px) the header folds into a menu and no page scrolls sideways.
import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './herald';

test('at phone width the header folds into a menu and pages fit the screen', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.setViewportSize({ width: 390, height: 844 });
  const pages = ['/', '/campaigns', '/campaigns/new', '/content', '/fragments', '/messages', '/settings/api-keys', '/settings/team'];
  for (const path of pages) {
    await page.goto(path);
    await hydrated(page);
    const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(width[0], `${path} is no wider than the screen`).toBeLessThanOrEqual(width[1]);
  }

  // Folded: the brand and the menu button; unfolded: every link, the account, sign-out, all
  // inside the header band.
  const nav = page.getByRole('navigation', { name: 'Main' });
  const menu = page.getByRole('button', { name: 'Menu' });
  await expect(nav).toBeHidden();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(nav.getByRole('link', { name: 'Sent messages' })).toBeVisible();
  const header = (await page.locator('header.topbar').boundingBox())!;
  const signOut = (await page.getByRole('button', { name: 'Sign out' }).boundingBox())!;
  expect(signOut.y + signOut.height).toBeLessThanOrEqual(header.y + header.height);
  expect(signOut.x + signOut.width).toBeLessThanOrEqual(390);
  await nav.getByRole('link', { name: 'Sent messages' }).click();
  await expect(page.getByRole('heading', { name: 'Sent messages' })).toBeVisible();

  // At desktop width the menu button is gone and the links are shown.
  await page.setViewportSize({ width: 1280, height: 900 });
  await expect(menu).toBeHidden();
  await expect(nav.getByRole('link', { name: 'Campaigns' })).toBeVisible();

  // An unknown address answers 404 inside the app's frame.
  const missing = await page.goto('/no-such-page');
  expect(missing!.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Campaigns' })).toBeVisible();
  expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
});
