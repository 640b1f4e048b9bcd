import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { api, connectAgent, login, type TestServer } from '@vaahshare/testkit';
import { cspViolations, launchBrowser, logIn, openPage, screenshot, startDashboardServer, type Agent } from './browser.js';

/** Types a time into a masked HH:MM field as a person would (digits only; the mask adds the colon). */
async function typeTime(field: Locator, digits: string) {
  await field.click();
  await field.press('ControlOrMeta+a');
  await field.pressSequentially(digits);
}

describe('dashboard: monitoring hours in Settings and on the Clients page (Chromium)', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let agent: Agent;
  before(async () => {
    [t, browser] = await Promise.all([startDashboardServer(), launchBrowser()]);
    agent = await connectAgent(t.url, 'hal@desk-9');
    page = await openPage(browser);
    await logIn(page, t.url);
  });
  after(async () => {
    agent?.socket.disconnect();
    await browser?.close();
    await t?.dispose();
  });

  test('an admin sets the company’s hours with the card; the Clients page says who is outside them; removing them clears it', async () => {
    await page.locator('.app-nav a[href="/settings"]').click();
    const card = page.locator('[data-test=monitoring-hours]');
    await card.locator('[data-test=hours-summary]').waitFor();
    assert.equal(await card.locator('[data-test=hours-summary]').innerText(), 'Recorded: always recorded');

    // Office hours are proposed; the test makes the desktop outside now (but for one minute a week): the weekdays'
    // intervals removed, one Sunday minute added, in another zone than the browser's.
    await card.locator('[data-test=hours-limited]').click();
    await card.locator('[data-test=hours-start]').first().waitFor();
    for (let left = await card.locator('[data-day] [aria-label^="Remove this"]').count(); left > 0; left--) {
      await card.locator('[data-day] [aria-label^="Remove this"]').first().click();
    }
    await card.locator('[data-test=hours-add-sun]').click();
    await typeTime(card.locator('[data-day=sun] [data-test=hours-start]'), '2358');
    await typeTime(card.locator('[data-day=sun] [data-test=hours-end]'), '2359');
    await card.locator('#hours-zone').click();
    await page.locator('.p-select-filter').fill('Pacific/Kiritimati');
    await page.locator('.p-select-option', { hasText: 'Pacific/Kiritimati' }).click();
    await screenshot(page, 'settings-monitoring-hours-desktop');
    await card.locator('[data-test=hours-save]').click();
    await page.waitForFunction(() => /Sun 23:58–23:59 \(Pacific\/Kiritimati\)/.test(document.querySelector('[data-test=hours-summary]')?.textContent ?? ''), undefined, { timeout: 5000 });

    const token = await login(t.url);
    const stored = (await api(t.url, '/api/monitoring-hours', { token })).body.data.default;
    assert.deepEqual(stored, { time_zone: 'Pacific/Kiritimati', days: { sun: [{ start: '23:58', end: '23:59' }] } });

    // A bad time is refused in the card and nothing is sent.
    await typeTime(card.locator('[data-day=sun] [data-test=hours-end]'), '2358');
    await card.locator('[data-test=hours-save]').click();
    assert.match(await card.locator('[data-test=hours-error]').innerText(), /must not start and end at the same time/);
    assert.deepEqual((await api(t.url, '/api/monitoring-hours', { token })).body.data.default, stored);

    await page.locator('.app-nav a[href="/clients"]').click();
    const badge = page.locator('.client-row', { hasText: 'hal@desk-9' }).locator('[data-test=outside-hours]');
    await badge.waitFor({ timeout: 5000 });
    assert.match(await badge.innerText(), /^outside hours until Sun 23:58$/);
    await screenshot(page, 'clients-outside-hours-desktop');
    await page.locator('.client-link', { hasText: 'hal@desk-9' }).click();
    const fact = page.locator('[data-fact="Monitoring hours"]');
    await fact.waitFor();
    assert.equal(await fact.innerText(), 'Sun 23:58–23:59 (Pacific/Kiritimati) — outside hours until Sun 23:58');
    await page.goBack();

    // Another admin (here: the API) removes them: this tab hears it and the badge goes.
    assert.equal((await api(t.url, '/api/monitoring-hours', { token, method: 'PUT', body: { group_id: null, hours: null } })).status, 200);
    await badge.waitFor({ state: 'detached', timeout: 5000 });
    assert.deepEqual(cspViolations, []);
  });
});
