import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, type TestServer } from '@vaahshare/testkit';
import { totpCode } from '../../server/src/auth/totp.js';
import { clickAndConfirm, launchBrowser, openPage, screenshot, startDashboardServer } from './browser.js';

/** The code the app shows a step from now: valid already (one step of drift is allowed) and later than any taken. */
const nextCode = (secret: string) => totpCode(secret, Date.now() + 30_000);

async function fillLogin(page: Page, url: string, email: string, password: string) {
  await page.goto(`${url}/login`);
  await page.locator('[data-test=email]').fill(email);
  await page.locator('#password').fill(password);
  await page.locator('[data-test=login-submit]').click();
}

describe('dashboard: a superadmin’s second factor (TOTP), Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let secret: string;
  let recoveryCodes: string[];

  before(async () => {
    [t, browser] = await Promise.all([startDashboardServer({ TOTP_REQUIRED_FOR_SUPERADMINS: 'true' }), launchBrowser()]);
    page = await openPage(browser);
  });
  after(async () => {
    await browser?.close();
    await t?.dispose();
  });

  test('the first login goes to the set-up before anything else: QR code and key, a code, recovery codes once', async () => {
    await fillLogin(page, t.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.waitForURL(/\/second-factor\?next=/);
    const qr = page.locator('[data-test=totp-qr]');
    await qr.waitFor();
    assert.ok(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the QR code is an image the browser drew');
    secret = (await page.locator('[data-test=totp-secret]').getAttribute('data-secret'))!;
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal((await page.locator('[data-test=totp-secret]').innerText()).replaceAll(' ', ''), secret, 'the key to type, in groups');
    assert.equal(await page.locator('[data-test=online-count]').count(), 0, 'no dashboard yet');
    await screenshot(page, 'second-factor-setup');

    await page.locator('[data-test=totp-code]').fill('000000' === totpCode(secret, Date.now()) ? '111111' : '000000');
    await page.locator('[data-test=totp-enable]').click();
    assert.match(await page.locator('[data-test=totp-error]').innerText(), /That code does not match/);

    await page.locator('[data-test=totp-code]').fill(totpCode(secret, Date.now()));
    await page.locator('[data-test=totp-enable]').click();
    const codes = page.locator('[data-test=recovery-codes] li');
    await codes.first().waitFor();
    recoveryCodes = await codes.allInnerTexts();
    assert.equal(recoveryCodes.length, 10);
    await screenshot(page, 'second-factor-recovery-codes');
    await page.locator('[data-test=recovery-done]').click();
    await page.waitForURL(`${t.url}/clients`);
    await page.locator('[data-test=online-count]').waitFor();
  });

  test('Settings shows it on and required; logging in again takes a code, a wrong one is refused', async () => {
    await page.locator('.app-nav a[href="/settings"]').click();
    const state = page.locator('[data-test=second-factor-state]');
    await state.waitFor();
    assert.equal((await state.innerText()).trim(), 'On: logging in takes a code of your authenticator app (10 recovery codes left). Your account requires it.');
    assert.equal(await page.locator('[data-test=second-factor-disable]').count(), 0, 'a required factor cannot be turned off');

    await page.locator('[data-test=logout]').click();
    await page.waitForURL(/\/login/);
    await fillLogin(page, t.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.locator('[data-test=code-step]').waitFor();
    await screenshot(page, 'login-code-step');
    await page.locator('[data-test=login-code]').fill('12345a');
    await page.locator('[data-test=code-submit]').click();
    assert.match(await page.locator('[data-test=login-error]').innerText(), /Wrong code, or one used already/);
    await page.locator('[data-test=login-code]').fill(nextCode(secret));
    await page.locator('[data-test=code-submit]').click();
    await page.waitForURL(`${t.url}/clients`);
    await page.locator('[data-test=online-count]').waitFor();
  });

  test('a company requiring it of admins: an admin without one is sent to the set-up; a superadmin resets an admin’s', async () => {
    await page.locator('.app-nav a[href="/settings"]').click();
    const access = page.locator('[data-test=access-settings]');
    await access.waitFor();
    await access.locator('[data-test=require-admin-totp]').click();
    await access.locator('[data-test=access-save]').click();
    await page.locator('.p-toast-message', { hasText: 'Access settings saved' }).waitFor();

    // An admin, made over the API with another session of the superadmin (a recovery code: the app's codes are taken).
    const challenge = (await api(t.url, '/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })).body.challenge;
    const superToken = (await api(t.url, '/api/auth/login/code', { body: { challenge, code: recoveryCodes[0] } })).body.token;
    assert.ok(superToken);
    const ann = { email: 'ann@acme.example', password: 'ann-password-1' };
    assert.equal((await api(t.url, '/api/users', { token: superToken, body: { ...ann, company_id: 1, role: 'admin' } })).status, 201);

    const annPage = await openPage(browser);
    await fillLogin(annPage, t.url, ann.email, ann.password);
    await annPage.waitForURL(/\/second-factor/);
    assert.match(await annPage.locator('[data-test=second-factor-page]').innerText(), /Your company requires it of its admins/);
    await annPage.locator('[data-test=totp-secret]').waitFor();
    const annSecret = (await annPage.locator('[data-test=totp-secret]').getAttribute('data-secret'))!;
    await annPage.locator('[data-test=totp-code]').fill(totpCode(annSecret, Date.now()));
    await annPage.locator('[data-test=totp-enable]').click();
    await annPage.locator('[data-test=recovery-done]').click();
    await annPage.waitForURL(`${t.url}/clients`);

    await page.reload();
    const row = page.locator('[data-test=users-table] tr', { hasText: ann.email });
    await row.locator('[data-test=user-second-factor]').waitFor();
    await clickAndConfirm(page, row.locator('[data-test=user-reset-second-factor]'));
    await page.locator('.p-toast-message', { hasText: `${ann.email} has no second factor now and is logged out` }).waitFor();
    await row.locator('[data-test=user-second-factor]').waitFor({ state: 'detached' });
    // Her open dashboard is logged out; her next login goes to the set-up again (the company requires it).
    await annPage.waitForURL(/\/login/);
    await annPage.close();
  });
});
