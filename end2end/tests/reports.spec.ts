// Campaign results as a marketer meets them: after a known set of sends (a local SMS gateway
// that refuses one number), the report tab shows the right tiles and the chart's numbers, a
// click on "Failed" (or on its reason) opens the explorer on that message, the live view
// updates by itself when a new call is triggered, and the campaign list shows the last 24 hours.
import { test, expect, type APIRequestContext } from '@playwright/test';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKey, hydrated, signIn, watchConsole } from './herald';

const REFUSED = '+15550000000';

async function trigger(request: APIRequestContext, key: string, campaignId: string, numbers: string[]) {
  const answer = await request.post('/ajo/im/executions/unitary', {
    headers: { authorization: `Bearer ${key}` },
    data: {
      campaignId,
      requestId: `report-${Date.now()}-${numbers.length}`,
      recipients: numbers.map((n) => ({
        type: 'external', userId: n, namespace: 'phone', channelData: { mobilePhoneNumber: n },
        context: { code: '123456' },
      })),
    },
  });
  expect(answer.status(), await answer.text()).toBe(202);
}

test('the report shows what a campaign did, live', async ({ page, request }) => {
  const gateway = http.createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      const refused = JSON.parse(data).to === REFUSED;
      res.writeHead(refused ? 400 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(refused ? { error: 'unknown number' } : { id: `gw-${Date.now()}` }));
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
  const admin = createApiKey('reports-e2e', 'admin');
  const auth = { authorization: `Bearer ${admin}` };
  const surface = await request.post('/api/v1/surfaces', {
    headers: auth,
    data: {
      name: `Report gateway ${Date.now()}`, channel: 'sms', category: 'transactional',
      settings: { provider: 'webhook', sender: 'ACME', webhookUrl: gatewayUrl },
      secrets: { authToken: 'gateway-token' },
    },
  });
  expect(surface.status()).toBe(201);
  const title = `Report OTP ${Date.now()}`;
  const created = await request.post('/api/v1/campaigns', {
    headers: auth,
    data: {
      title, channel: 'sms', namespace: 'phone', surfaceId: (await surface.json()).id,
      textBody: 'Your code is {{context.code}}',
    },
  });
  expect(created.status()).toBe(201);
  const campaignId = (await created.json()).id;
  expect((await request.post(`/api/v1/campaigns/${campaignId}/activate`, { headers: auth })).status()).toBe(200);
  const key = createApiKey('reports-e2e-trigger');
  await trigger(request, key, campaignId, ['+15550000001', '+15550000002', REFUSED]);

  const problems = watchConsole(page);
  await signIn(page);
  await page.goto(`/campaigns/${campaignId}`);
  await page.getByRole('navigation', { name: 'Campaign' }).getByRole('link', { name: 'Report' }).click();
  await expect(page).toHaveURL(new RegExp(`/campaigns/${campaignId}/report$`));
  await hydrated(page);
  await expect(page.getByTestId('report-mode')).toContainText('Live');
  await expect(page.getByTestId('kpi-sent')).toContainText('2', { timeout: 20_000 });
  await expect(page.getByTestId('kpi-failed')).toContainText('1');
  await expect(page.getByTestId('kpi-targeted')).toContainText('3');
  await expect(page.getByTestId('kpi-sent')).toContainText('66.7 % delivery');
  await expect(page.getByTestId('failures')).toContainText('rejected');

  // The chart is drawn, and its numbers (the table beside it) add up to the tiles.
  await expect(page.getByTestId('series-chart').locator('svg').first()).toBeVisible();
  const column = async (i: number) => {
    const cells = await page.getByTestId('series-table').locator(`tbody tr td:nth-child(${i})`).allTextContents();
    return cells.reduce((sum, c) => sum + Number(c), 0);
  };
  expect(await column(2)).toBe(2);
  expect(await column(4)).toBe(1);

  // Live: a new call shows up without a reload.
  await trigger(request, key, campaignId, ['+15550000003']);
  await expect(page.getByTestId('kpi-sent')).toContainText('3', { timeout: 20_000 });
  expect(await column(2)).toBe(3);

  // "Failed" opens the explorer on the failed message.
  await page.getByTestId('kpi-failed').click();
  await expect(page).toHaveURL(/status=failed/);
  await expect(page.getByText(REFUSED)).toBeVisible();

  // So does the failure's reason, and the explorer's Reason field shows it.
  await page.goBack();
  await page.getByTestId('failures').getByRole('link', { name: 'rejected' }).click();
  await expect(page).toHaveURL(/reason=rejected/);
  await expect(page.getByLabel('Reason')).toHaveValue('rejected');
  await expect(page.getByTestId('message')).toHaveCount(1);
  await expect(page.getByTestId('message')).toContainText(REFUSED);

  // A filter the form has no field for (a version row's link) is named, kept by a new search,
  // and removable.
  await page.goto(`/messages?campaignId=${campaignId}&version=1`);
  await hydrated(page);
  await expect(page.getByTestId('report-filters')).toContainText('version 1');
  await expect(page.getByTestId('message')).toHaveCount(4);
  await page.getByLabel('Status').selectOption('sent');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/version=1/);
  await expect(page.getByTestId('message')).toHaveCount(3);
  await page.getByRole('link', { name: 'Remove the version filter' }).click();
  await expect(page).not.toHaveURL(/version=/);
  await expect(page.getByTestId('report-filters')).toHaveCount(0);

  // The campaign list shows the last 24 hours.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Campaigns' }).click();
  const row = page.getByTestId('campaign-row').filter({ hasText: title });
  await expect(row.getByTestId('sent-24h')).toHaveText('3');
  await expect(row).toContainText('25.0 %');

  // At phone width the report stays readable: tiles and chart within the screen.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`/campaigns/${campaignId}/report`);
  await hydrated(page);
  await expect(page.getByTestId('kpi-sent')).toContainText('3');
  const chart = await page.getByTestId('series-chart').boundingBox();
  expect(chart!.width).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the screen').toBeLessThanOrEqual(390);
  await expect(page.getByTestId('series-chart').locator('svg').first()).toBeVisible();

  expect(problems).toEqual([]);
  gateway.close();
});
