// The first seconds of a page: the server renders the form as it will be once interactive, what
// is typed before the bundle has taken over is kept, and the bundle arrives compressed, small
// and cacheable.
import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './herald';

test('what is typed before the page has hydrated is kept', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  // Holds the bundle back until the test has typed, as a slow connection would.
  let typed!: () => void;
  const typing = new Promise<void>((resolve) => (typed = resolve));
  await page.route(/\/pkg\/[^/]+\.wasm$/, async (route) => {
    await typing;
    await route.continue();
  });
  await page.goto('/campaigns/new', { waitUntil: 'domcontentloaded' });

  // Rendered by the server as it will be once interactive: email, with the example content.
  await expect(page.getByRole('radio', { name: 'Email' })).toBeChecked();
  await expect(page.getByLabel('Subject')).toHaveValue(/^Reset your password, /);
  await expect(page.getByLabel('HTML body')).toHaveValue(/<a href="\{\{context.resetUrl\}\}">/);
  await expect(page.getByLabel('Text body')).toHaveValue(/^Hi \{\{profile/);
  expect(await page.evaluate(() => (window as any).__heraldHydrated)).toBeFalsy();

  await page.getByLabel('Title', { exact: true }).fill('Typed before hydration');
  await page.getByLabel('Subject').fill('Early, {{profile.person.name.firstName}}');
  await page.getByLabel(/^Track engagement/).check();
  typed();
  await hydrated(page);

  await expect(page.getByLabel('Title', { exact: true })).toHaveValue('Typed before hydration');
  await expect(page.getByLabel('Subject')).toHaveValue('Early, {{profile.person.name.firstName}}');
  await expect(page.getByLabel(/^Track engagement/)).toBeChecked();
  // The app itself has the typed values, not only the fields: the preview renders them...
  await expect(page.getByTestId('preview-subject')).toHaveText(/^Early, /);
  // ...and the campaign is created with them.
  await page.getByRole('button', { name: 'Create campaign' }).click();
  await expect(page.getByRole('heading', { name: 'Typed before hydration' })).toBeVisible();
  await expect(page.getByText('Early, {{profile.person.name.firstName}}')).toBeVisible();
  expect(problems).toEqual([]);
});

// The budget is 1 MB transferred; the bundle is at 1.32 MB (docs/benchmarks.md, "Session 22":
// Leptos 0.8 compiles every view's hydration twice, a cost Leptos 0.9 removes), so this ceiling
// stops it growing unnoticed until then.
const BUNDLE_CEILING = 1_350_000;

test('the bundle arrives compressed, no larger than its ceiling, and cacheable for good', async ({ page }) => {
  const problems = watchConsole(page);
  const bundle: import('@playwright/test').Response[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/pkg/')) bundle.push(r);
  });
  await page.goto('/login');
  await hydrated(page);

  const names = bundle.map((r) => new URL(r.url()).pathname).sort();
  expect(names).toEqual([
    expect.stringMatching(/^\/pkg\/herald\.[0-9a-f]{16}\.css$/),
    expect.stringMatching(/^\/pkg\/herald\.[0-9a-f]{16}\.js$/),
    expect.stringMatching(/^\/pkg\/herald\.[0-9a-f]{16}\.wasm$/),
  ]);
  let transferred = 0;
  for (const response of bundle) {
    const headers = await response.allHeaders();
    expect(headers['content-encoding'], response.url()).toMatch(/^(br|gzip)$/);
    expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(headers['vary']).toBe('accept-encoding');
    transferred += (await response.request().sizes()).responseBodySize;
  }
  console.log(`bundle: ${transferred} bytes transferred`);
  expect(transferred).toBeLessThanOrEqual(BUNDLE_CEILING);

  // A name the server does not have is not found, and not remembered as such.
  const missing = await page.request.get('/pkg/herald.0123456789abcdef.wasm');
  expect(missing.status()).toBe(404);
  expect(missing.headers()['cache-control'] ?? '').not.toContain('immutable');
  expect(problems).toEqual([]);
});
