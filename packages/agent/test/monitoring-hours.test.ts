import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Client, MonitoringHours } from '@vaahshare/protocol';
import { api, login, startServer, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { agentArgs, runAgent } from './agent-process.js';
import fs from 'node:fs';
import { capturedMore, clientId, finalizedMedia, spooledFiles } from './helpers.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/vaahshare-agent.js');
const USER_HOST = 'hours@desk';
/** Wednesdays 09:00–12:00 UTC; the server's clock starts just before noon of a Wednesday. */
const wednesdayMornings: MonitoringHours = { time_zone: 'UTC', days: { wed: [{ start: '09:00', end: '12:00' }] } };

/** The server's clock: real time shifted so that noon comes seconds after the agent connected. */
let offset = 0;
const clock = { now: () => Date.now() + offset };
const setClockTo = (iso: string) => (offset = Date.parse(iso) - Date.now());

/** Whether some process writes `file` as its standard output, as ffmpeg writes a capture (the agent reads it too). */
function capturedInto(file: string): boolean {
  return fs.readdirSync('/proc').some((pid) => {
    try {
      return /^\d+$/.test(pid) && fs.readlinkSync(`/proc/${pid}/fd/1`) === file;
    } catch {
      return false; // gone meanwhile, or not ours to read
    }
  });
}

/** What the agent's window shows (its own HTTP API, found with `open --print` as a user would). */
async function windowView(dataDir: string) {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'open', '--print', '--data-dir', dataDir], {
    env: { ...process.env, VAAHSHARE_CONFIG: '/nonexistent/vaahshare-agent-test/config.json' },
  });
  const res = await fetch(new URL('api/view', stdout.trim().replace(/\/?$/, '/')));
  return (await res.json()) as { outside_hours: { until: string | null } | null; recording: unknown };
}

describe('monitoring hours (real agent process, real server with a shifted clock, real ffmpeg)', () => {
  let t: TestServer;
  let token: string;
  before(async () => {
    setClockTo('2026-12-02T11:00:00Z');
    t = await startServer({}, { clock });
    token = await login(t.url);
    const set = await api(t.url, '/api/monitoring-hours', { token, method: 'PUT', body: { group_id: null, hours: wednesdayMornings } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  });
  after(() => t.dispose());

  test('at the end of the hours the capture stops, offline too; connected again it sends the rest and stays online, not recording; new hours start it again', async () => {
    const dataDir = tempDir('vaahshare-agent-');
    const args = agentArgs(t.url, USER_HOST, dataDir);
    // Noon is 15 s away: the agent connects, records and loses the server before it.
    setClockTo('2026-12-02T11:59:45Z');
    const agent = runAgent(args);
    try {
      await agent.waitFor(/connected to/);
      await capturedMore(dataDir, 20_000);
      const recorded = spooledFiles(dataDir);
      assert.equal(recorded.length, 1, 'recording inside the hours');
      assert.ok(capturedInto(recorded[0]), 'ffmpeg captures into it');

      // The server goes away before noon: the agent reaches the boundary by its own timer, with the server's time.
      await t.close();
      const lostAt = await agent.waitFor(/connection lost/);
      const outsideAt = await agent.waitFor(/outside monitoring hours: not recording until Wed 09:00/, 30_000);
      assert.ok(outsideAt > lostAt, `the boundary came while offline (the machine took over 15 s to get here):\n${agent.output()}`);
      await waitUntil(() => !capturedInto(recorded[0]), 10_000, 'ffmpeg to stop capturing');
      assert.equal(agent.output().match(/capturing a test picture/g)?.length, 1, 'no new recording starts');

      t = await startServer({ DATA_DIR: t.dataDir, PORT: String(t.port) }, { clock });
      token = await login(t.url);
      await agent.waitFor(/reconnected/, 20_000);
      const id = await clientId(t.url, token, USER_HOST);
      const [media] = await finalizedMedia(t.url, token, id, 1);
      assert.equal(media.status, 'ready', 'what was recorded before noon arrives whole');
      await waitUntil(() => spooledFiles(dataDir).length === 0, 10_000, 'the spool emptied');
      const client = (await api(t.url, `/api/clients/${id}`, { token })).body.data as Client;
      assert.deepEqual([client.is_connected, client.is_reconnecting, client.is_streaming], [true, false, false], 'online, not streaming');
      const view = await windowView(dataDir);
      assert.deepEqual([view.outside_hours, view.recording], [{ until: 'Wed 09:00' }, null], 'the window says so');

      // The admin lifts the hours: the connected agent is told at once and records again.
      const lifted = await api(t.url, '/api/monitoring-hours', { token, method: 'PUT', body: { group_id: null, hours: null } });
      assert.equal(lifted.status, 200);
      await agent.waitFor(/inside monitoring hours: recording/, 10_000);
      await waitUntil(async () => (await api(t.url, `/api/clients/${id}`, { token })).body.data.is_streaming === true, 15_000, 'streaming again');
      assert.equal((await windowView(dataDir)).outside_hours, null);
      assert.equal(await agent.stop('SIGINT'), 0, agent.output());
    } finally {
      await agent.stop('SIGKILL');
    }
  });

  test('an agent started outside its hours while the server is unreachable captures nothing and says until when', async () => {
    const dataDir = tempDir('vaahshare-agent-');
    const args = agentArgs(t.url, 'late@desk', dataDir);
    // First told the hours (noon has passed on the server's clock), then started again with the server down.
    const set = await api(t.url, '/api/monitoring-hours', { token, method: 'PUT', body: { group_id: null, hours: wednesdayMornings } });
    assert.equal(set.status, 200);
    let agent = runAgent(args);
    try {
      await agent.waitFor(/outside monitoring hours: not recording until Wed 09:00/, 20_000);
      assert.equal(await agent.stop('SIGINT'), 0, agent.output());
      await t.close();
      agent = runAgent(args);
      await agent.waitFor(/outside monitoring hours: not recording until Wed 09:00/);
      await agent.waitFor(/server unreachable/, 20_000);
      assert.doesNotMatch(agent.output(), /capturing/, 'no capture started');
      assert.deepEqual(spooledFiles(dataDir), []);
      assert.equal(await agent.stop('SIGINT'), 0, agent.output());
    } finally {
      await agent.stop('SIGKILL');
      t = await startServer({ DATA_DIR: t.dataDir, PORT: String(t.port) }, { clock });
    }
  });
});
