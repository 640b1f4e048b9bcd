import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_EMAIL, api, login, waitUntil, type TestServer } from '@vaahshare/testkit';
import { launchBrowser, logIn, openPage, screenshot, startDashboardServer } from './browser.js';

const B_EMAIL = 'boss@b-corp.example';
const B_PASSWORD = 'b-corp password';

const rows = (page: Page) => page.locator('[data-test=audit-table] tbody tr:not(.p-datatable-empty-message)');
const column = (page: Page, index: number) =>
  page.evaluate((i) => [...document.querySelectorAll('[data-test=audit-table] tbody tr')].map((tr) => tr.children[i]?.textContent?.trim() ?? ''), index);

/** Waits until the table, loaded, shows what `check` wants of the "What" column (it reloads after each filter). */
async function waitForWhat(page: Page, check: (what: string[]) => boolean, what: string) {
  await waitUntil(async () => (await page.locator('.p-datatable-mask').count()) === 0 && check(await column(page, 2)), 10_000, what);
}

describe('dashboard: the Audit page', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let token: string;

  before(async () => {
    [t, browser] = await Promise.all([startDashboardServer(), launchBrowser()]);
    token = await login(t.url);
    await api(t.url, '/api/auth/login', { body: { email: ADMIN_EMAIL, password: 'not the password' } });
    const created = await api(t.url, '/api/companies', { token, body: { name: 'B Corp' } });
    await api(t.url, '/api/users', { token, body: { email: B_EMAIL, password: B_PASSWORD, company_id: created.body.data.id, role: 'admin' } });
    // More than a page of entries (50 a page).
    for (let i = 0; i < 60; i++) await api(t.url, '/api/companies/1/tokens', { token, body: { label: `desk ${i}` } });
    page = await openPage(browser);
    await logIn(page, t.url);
  });
  after(async () => {
    await browser?.close();
    await t?.dispose();
  });

  test('lists who did what to whom, newest first, in pages, filtered by who, whom, what and when', async () => {
    await page.locator('.app-nav a[href="/audit"]').click();
    await page.waitForURL(`${t.url}/audit`);
    await waitForWhat(page, (what) => what[0] === 'Logged in', 'the newest entry is the login through the form');
    assert.equal(await rows(page).count(), 50);
    const who = await column(page, 1);
    assert.ok(who[0].startsWith(ADMIN_EMAIL), who[0]);
    await screenshot(page, 'audit');

    await page.locator('[data-test=audit-table] .p-paginator-next').click();
    await waitForWhat(page, (what) => what.length > 0 && what.length < 50, 'the second page');

    await page.locator('[data-test=audit-what]').click();
    await page.locator('.p-select-option', { hasText: 'Login failed' }).click();
    await waitForWhat(page, (what) => what.length === 1 && what[0] === 'Login failed', 'only the failed login');
    assert.match((await column(page, 4))[0], /wrong_password/);
    await page.locator('[data-test=audit-what] .p-select-clear-icon').click();

    await page.locator('[data-test=audit-whom]').fill('desk 42');
    await page.locator('[data-test=audit-whom]').press('Enter');
    await waitForWhat(page, (what) => what.length === 1 && what[0] === 'Created an enrollment token', 'the one token');
    assert.equal((await column(page, 3))[0], 'token desk 42');
    await page.locator('[data-test=audit-whom]').fill('');
    await page.locator('[data-test=audit-whom]').press('Enter');

    await page.locator('[data-test=audit-who]').fill('nobody-here');
    await page.locator('[data-test=audit-who]').press('Enter');
    await page.locator('[data-test=audit-table] .table-empty').waitFor();
    await page.locator('[data-test=audit-who]').fill('');
    await page.locator('[data-test=audit-who]').press('Enter');

    await page.locator('input[aria-label="To date"]').fill('2000-01-01');
    await page.locator('[data-test=audit-table] .table-empty').waitFor();
    await page.locator('input[aria-label="To date"]').fill('');
    await waitForWhat(page, (what) => what.length === 50, 'everything again');
  });

  test('"Download CSV" saves the filtered entries', async () => {
    await page.locator('[data-test=audit-what]').click();
    await page.locator('.p-select-option', { hasText: 'Created an enrollment token' }).click();
    await waitForWhat(page, (what) => what.length === 50 && what.every((w) => w === 'Created an enrollment token'), 'only tokens');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=audit-csv]').click()]);
    assert.match(download.suggestedFilename(), /^vaahshare-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'time,company_id,actor_kind,actor_user_id,actor_email,action,target_kind,target_id,target,ip,details');
    // The default company's token plus the 60 made here (B Corp's own default token was created with the company).
    assert.equal(lines.length - 1, 60);
    assert.ok(lines.slice(1).every((line) => line.includes(',token-created,')));
  });

  test('a superadmin sees the company it shows, or every company', async () => {
    await page.locator('[data-test=audit-what] .p-select-clear-icon').click();
    await waitForWhat(page, (what) => what.length === 50 && !what.includes('Created a company'), 'the default company only');
    await page.locator('[data-test=audit-all-companies]').click();
    await page.locator('[data-test=audit-whom]').fill('B Corp');
    await page.locator('[data-test=audit-whom]').press('Enter');
    // With every company, a Company column follows "When": "What" is the fourth.
    const cells = () => page.evaluate(() => [...document.querySelectorAll('[data-test=audit-table] tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent?.trim())));
    await waitUntil(async () => {
      const shown = await cells();
      return shown.length === 1 && shown[0][1] === 'B Corp' && shown[0][3] === 'Created a company';
    }, 10_000, 'B Corp’s creation with its company').catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await cells())}`);
    });
  });

  test('the audit retention is set in Settings, and its change is on record', async () => {
    await page.locator('.app-nav a[href="/settings"]').click();
    await page.locator('[data-test=audit-retention] input').fill('90');
    await page.locator('[data-test=audit-settings-save]').click();
    await page.locator('.p-toast-message', { hasText: 'Audit trail retention saved' }).waitFor();
    assert.equal((await api(t.url, '/api/companies/1/settings', { token })).body.data.audit_retention_days, 90);
    await page.locator('.app-nav a[href="/audit"]').click();
    await waitForWhat(page, (what) => what[0] === 'Changed settings', 'the change on top');
    assert.equal((await column(page, 4))[0], 'audit retention days: 365 → 90');
  });

  test("another company's admin sees only its own company's entries", async () => {
    const other = await openPage(browser);
    await logIn(other, t.url, B_EMAIL, B_PASSWORD);
    await other.goto(`${t.url}/audit`);
    // Its company's creation, its own creation and its login: nothing of the default company's.
    await waitForWhat(other, (what) => what.join() === 'Logged in,Created a user,Created a company', 'its company’s entries only');
    assert.ok((await column(other, 1))[0].startsWith(B_EMAIL));
    await other.context().close();
  });
});
