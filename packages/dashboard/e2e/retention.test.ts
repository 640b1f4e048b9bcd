import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type TestServer } from '@vaahshare/testkit';
import { addRecording, DAY, filesOf, rowExists } from '@vaahshare/testkit/recordings';
import { mountSmallDisk, noSmallDisk } from '@vaahshare/testkit/small-disk';
import { launchBrowser, logIn, openPage, screenshot, startDashboardServer } from './browser.js';

describe('dashboard: retention and deleting in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let clientId: number;
  const add = (ageMs: number) => addRecording(t.server.ctx.db, t.dataDir, { companyId: 1, clientId, ageMs, size: 2000 });
  const confirmDelete = async () => {
    const dialog = page.locator('.p-confirmdialog');
    await dialog.waitFor();
    await dialog.locator('.p-confirmdialog-accept-button').click();
    await dialog.waitFor({ state: 'detached' });
  };

  before(async () => {
    [t, browser] = await Promise.all([startDashboardServer(), launchBrowser()]);
    clientId = (await t.server.clients.ensure(1, 'gil@desk-7')).id;
    page = await openPage(browser);
    await logIn(page, t.url);
  });
  after(async () => {
    await browser?.close();
    await t?.dispose();
  });

  test('Settings: a retention rule is saved and the card says what the next sweep will delete', async () => {
    await add(10 * DAY);
    await add(DAY);
    await page.locator('.app-nav a[href="/settings"]').click();
    const card = page.locator('[data-test=retention]');
    await card.locator('[data-test=storage-used]').waitFor();
    assert.match(await card.locator('[data-test=storage-used]').innerText(), /Recordings use 3\.9 KB \(2 recordings\)/);
    assert.match(await card.locator('[data-test=next-sweep]').innerText(), /The next sweep deletes nothing/);
    await card.locator('#retention-days').fill('7');
    await card.locator('[data-test=retention-save]').click();
    await page.waitForFunction(() => /deletes 1 recordings/.test(document.querySelector('[data-test=next-sweep]')?.textContent ?? ''), undefined, { timeout: 5000 });
    await screenshot(page, 'settings-retention-desktop');
    const sweep = await t.server.retention.sweep();
    assert.deepEqual(sweep, { deleted: 1, bytes: 2000 });
    // The card reads the storage again (at most every 2 s) once the dashboard heard of the deletion.
    await page.waitForFunction(() => /deletes nothing/.test(document.querySelector('[data-test=next-sweep]')?.textContent ?? ''), undefined, { timeout: 10_000 });
  });

  test('History: one recording, then all the filters select, deleted after asking', async () => {
    await t.server.ctx.db.deleteFrom('media').execute();
    const [one, two, three] = [await add(3 * DAY), await add(2 * DAY), await add(DAY)];
    await page.locator('.app-nav a[href="/history"]').click();
    const rows = page.locator('[data-test=media-table] [data-test=delete-media]');
    await page.waitForFunction(() => document.querySelectorAll('[data-test=media-table] [data-test=delete-media]').length === 3, undefined, { timeout: 5000 });
    await rows.first().click();
    await screenshot(page, 'history-delete-confirm-desktop');
    await confirmDelete();
    await page.waitForFunction(() => document.querySelectorAll('[data-test=media-table] [data-test=delete-media]').length === 2, undefined, { timeout: 5000 });
    assert.equal(await rowExists(t, three.id), false, 'the newest, first in the list');
    assert.deepEqual(filesOf(t.dataDir, three), []);

    await page.locator('[data-test=delete-selected]').click();
    await confirmDelete();
    await page.locator('[data-test=media-table] .table-empty').waitFor({ timeout: 5000 });
    assert.deepEqual([await rowExists(t, one.id), await rowExists(t, two.id)], [false, false]);
  });

  test('a client page deletes the client (offline) and its data, after asking', async () => {
    const rec = await add(DAY);
    await page.goto(`${t.url}/clients/${clientId}`);
    await page.locator('[data-test=delete-client]').click();
    await confirmDelete();
    await page.waitForURL(`${t.url}/clients`);
    assert.equal(await rowExists(t, rec.id), false);
    assert.equal(await page.locator('.clients-table', { hasText: 'gil@desk-7' }).count(), 0);
  });
});

// A write refused for want of space (noteFull) would be undone by the next statfs a second later on a disk with
// room: the disk is really filled, as a full one is.
const disk = mountSmallDisk(64);

describe('dashboard: the disk short of space in Chromium', { skip: disk ? false : noSmallDisk }, () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [t, browser] = await Promise.all([startDashboardServer({ DATA_DIR: disk!.dir, MIN_FREE_DISK_MB: '16' }), launchBrowser()]);
    page = await openPage(browser);
    await logIn(page, t.url);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    disk!.unmount();
  });

  test('every page shows a banner until there is room again', async () => {
    const banner = page.locator('[data-test=disk-low]');
    disk!.fillTo(10);
    await banner.waitFor({ timeout: 5000 });
    assert.match(await banner.innerText(), /short of disk space/);
    await screenshot(page, 'disk-low-banner-desktop');
    await page.locator('.app-nav a[href="/history"]').click();
    await page.waitForURL(`${t.url}/history`);
    await banner.waitFor({ timeout: 5000 });
    disk!.room();
    await banner.waitFor({ state: 'detached', timeout: 5000 });
  });
});
