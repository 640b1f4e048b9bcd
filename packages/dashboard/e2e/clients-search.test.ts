import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { connectAgent, connected, hello, machineInfo, openSocket, type TestServer } from '@vaahshare/testkit';
import { launchBrowser, logIn, openPage, startDashboardServer, type Agent } from './browser.js';

const FLEET = 120;
/** Desks spread over five offices: a search for one office matches a fifth of them. */
const userHostOf = (i: number) => `desk-${String(i).padStart(3, '0')}@office-${i % 5}`;

/** What the table shows now: every row in the DOM (the table renders those in view) and the count of those shown. */
async function shownRows(page: Page) {
  return page.evaluate(() => ({
    rows: [...document.querySelectorAll('.clients-table .client-row')].map((row) => ({
      userHost: row.querySelector('a[data-user-host]')!.getAttribute('data-user-host')!,
      state: row.querySelector('.presence')!.getAttribute('data-state')!,
    })),
    shown: document.querySelector('[data-test=clients-move-submit]')?.textContent?.trim() ?? '',
  }));
}

/** The Clients page's search over many clients while presence keeps changing (issue 18: 10 000 clients at 100 changes a second). */
describe('dashboard: searching the clients while their presence changes', () => {
  let t: TestServer, browser: Browser, page: Page;
  const agents = new Map<string, Agent | null>();

  /**
   * Until `stop()`: each turn drops one agent and brings back the one dropped ten turns before (the connection of
   * which paces the turns), going round the whole fleet; ten clients are reconnecting at any time.
   */
  function churn() {
    let running = true;
    const nth = (turn: number) => userHostOf((turn * 7) % FLEET);
    const done = (async () => {
      for (let turn = 0; running; turn++) {
        agents.get(nth(turn))?.socket.disconnect();
        agents.set(nth(turn), null);
        if (turn >= 10) agents.set(nth(turn - 10), await connectAgent(t.url, nth(turn - 10)));
      }
    })();
    return () => ((running = false), done);
  }

  /** Waits until the table shows `expected` (the matching clients in order, with their states) and says it shows them all. */
  async function waitForRows(expected: Array<{ userHost: string; state: string }>) {
    await page.waitForFunction(
      (want) => {
        const rows = [...document.querySelectorAll('.clients-table .client-row')];
        const label = document.querySelector('[data-test=clients-move-submit]')?.textContent?.trim();
        return (
          label === `Move the ${want.length} shown` &&
          rows.length > 0 &&
          rows.every((row, i) => row.querySelector('a[data-user-host]')?.getAttribute('data-user-host') === want[i]?.userHost && row.querySelector('.presence')?.getAttribute('data-state') === want[i]?.state)
        );
      },
      expected,
      { timeout: 10_000 },
    ).catch(async () => {
      const now = await shownRows(page);
      assert.deepEqual(now, { rows: expected.slice(0, now.rows.length), shown: `Move the ${expected.length} shown` });
    });
  }

  const matching = (needle: string, onlineOnly = false) =>
    [...agents.entries()]
      .filter(([userHost, agent]) => userHost.includes(needle) && (!onlineOnly || agent))
      .map(([userHost, agent]) => ({ userHost, state: agent ? 'connected' : 'reconnecting' }))
      .sort((a, b) => new Intl.Collator().compare(a.userHost, b.userHost));

  before(async () => {
    [t, browser] = await Promise.all([startDashboardServer({ RECONNECT_GRACE_MS: String(30 * 60_000) }), launchBrowser()]);
    for (let from = 0; from < FLEET; from += 20) {
      const batch = Array.from({ length: 20 }, (_, i) => userHostOf(from + i));
      (await Promise.all(batch.map((userHost) => connectAgent(t.url, userHost)))).forEach((agent, i) => agents.set(batch[i], agent));
    }
    page = await openPage(browser);
    await logIn(page, t.url);
    await page.locator('[data-test=clients-summary] >> text=/^120 online/').waitFor();
  });
  after(async () => {
    agents.forEach((agent) => agent?.socket.disconnect());
    await browser?.close();
    await t?.dispose();
  });

  test('typed while clients drop and come back, the search shows exactly the matching clients, in order, as they are now', async () => {
    const stop = churn();
    await page.locator('[data-test=clients-search]').click();
    await page.keyboard.type('office-3', { delay: 40 });
    await stop();
    await waitForRows(matching('office-3'));
    assert.ok(matching('office-3').some((row) => row.state === 'reconnecting'), 'some matching clients dropped meanwhile');

    // The end of the list, scrolled to: the table renders the rows there, the last matching client last.
    await page.locator('[data-test=clients-table]').evaluate((table) => table.scrollTo(0, table.scrollHeight));
    await page.waitForFunction((last) => [...document.querySelectorAll('.clients-table a[data-user-host]')].at(-1)?.getAttribute('data-user-host') === last, matching('office-3').at(-1)!.userHost);
  });

  test('with "Online" picked too, clients leave and join the searched rows as they drop and come back', async () => {
    await page.locator('[data-test=clients-status]').click();
    await page.locator('.p-select-option', { hasText: 'Online' }).click();
    const stop = churn();
    await page.locator('[data-test=clients-search]').fill('office-');
    await page.locator('[data-test=clients-search]').press('Backspace');
    await page.keyboard.type('-1', { delay: 40 });
    await stop();
    await page.locator('[data-test=clients-table]').evaluate((table) => table.scrollTo(0, 0));
    await waitForRows(matching('office-1', true));
    const { connected, reconnecting } = { connected: [...agents.values()].filter(Boolean).length, reconnecting: [...agents.values()].filter((a) => !a).length };
    await page.locator(`[data-test=clients-summary] >> text="${connected} online · ${reconnecting} reconnecting · 0 offline"`).waitFor();
  });

  test('a client back with other machine info is found by it: the search texts follow each change', async () => {
    await page.locator('[data-test=clients-status] .p-select-clear-icon').click();
    const search = page.locator('[data-test=clients-search]');
    await search.fill('windows');
    await page.locator('.table-empty >> text=No client matches these filters.').waitFor();
    const userHost = userHostOf(3);
    agents.get(userHost)?.socket.disconnect();
    const socket = openSocket(t.url);
    await connected(socket);
    const reply = await socket.timeout(5000).emitWithAck('client-connected', { ...hello(userHost), machine_info: { ...machineInfo(userHost), operatingSystem: 'Windows 11' } });
    assert.ok(reply.ok);
    await page.locator(`.clients-table a[data-user-host="${userHost}"]`).waitFor();
    // A new search goes over every client again, reading the texts kept per client.
    await search.fill('windows 11');
    await page.waitForFunction((uh) => [...document.querySelectorAll('.clients-table a[data-user-host]')].map((a) => a.getAttribute('data-user-host')).join() === uh, userHost);
    socket.disconnect();
  });
});
