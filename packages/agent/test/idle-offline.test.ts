import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Alert } from '@vaahshare/protocol';
import { api, startServer, tempDir, waitUntil, type TestServer } from '../../server/src/test/harness.js';
import { agentArgs, runAgent, type AgentProcess } from './agent-process.js';
import { serverWithAdmin } from './helpers.js';
import { startXvfb } from './xvfb.js';

const THRESHOLD_S = 10;
const USER_HOST = 'away@desk';

/** The pending idle alerts in an agent's spool. */
function spooledAlerts(dataDir: string): unknown[] {
  const root = path.join(dataDir, 'spool');
  const files = fs.existsSync(root) ? fs.readdirSync(root).map((d) => path.join(root, d, 'alerts.queue')).filter((f) => fs.existsSync(f)) : [];
  return files.flatMap((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as unknown[]);
}

describe('idle alerts while the server is down (real agent processes, Xvfb, xdotool)', () => {
  let t: TestServer;
  let token: string;
  before(async () => {
    ({ t, token } = await serverWithAdmin());
    const companyId = (await api(t.url, '/api/auth/me', { token })).body.data.company_id;
    const settings = await api(t.url, `/api/companies/${companyId}/settings`, { token, method: 'PATCH', body: { idle_threshold_seconds: THRESHOLD_S } });
    assert.equal(settings.status, 200);
  });
  after(() => t.dispose());

  test('an alert raised offline survives an agent restart and arrives with its real time and how long the person was away', async () => {
    const xvfb = await startXvfb('640x360');
    const dataDir = tempDir('vaahshare-agent-');
    const args = agentArgs(t.url, USER_HOST, dataDir, ['--display', xvfb.display]);
    let agent: AgentProcess = runAgent(args);
    try {
      await agent.waitFor(/connected to/);
      await xvfb.moveMouse(10, 10);
      await t.close();
      await agent.waitFor(/connection lost/);

      const idleAt = await agent.waitFor(/idle for \d+ s: .*sent once the server is reachable/, (THRESHOLD_S + 10) * 1000);
      assert.equal(spooledAlerts(dataDir).length, 1, 'the alert waits in the spool');
      assert.equal(await agent.stop('SIGINT'), 0, agent.output());
      assert.equal(spooledAlerts(dataDir).length, 1, 'and stays there when the agent stops');

      agent = runAgent(args);
      await agent.waitFor(/idle for \d+ s/, 15_000);
      assert.equal(spooledAlerts(dataDir).length, 1, 'the restarted agent knows the same idle period');
      await xvfb.moveMouse(200, 150);
      const backAt = Date.now();
      await agent.waitFor(/back after \d+ s away/, 5000);

      t = await startServer({ DATA_DIR: t.dataDir, PORT: String(t.port) });
      let alerts: Alert[] = [];
      await waitUntil(
        async () => {
          alerts = (await api(t.url, '/api/alerts', { token })).body.data;
          return alerts.length > 0 && alerts[0].away_seconds !== null;
        },
        30_000,
        'the held alert with its span',
      );
      assert.equal(alerts.length, 1, `one alert for one idle period: ${JSON.stringify(alerts)}`);
      const [alert] = alerts;
      assert.equal(alert.user_host, USER_HOST);
      assert.ok(Math.abs(Date.parse(alert.created_at) - idleAt) < 2000, `dated when the agent saw it (${alert.created_at}), not when it arrived`);
      assert.ok(alert.idle_seconds >= THRESHOLD_S && alert.idle_seconds < THRESHOLD_S + 3, `idle_seconds ${alert.idle_seconds}`);
      const awayMs = backAt - (idleAt - alert.idle_seconds * 1000);
      assert.ok(Math.abs(alert.away_seconds! * 1000 - awayMs) < 3000, `away ${alert.away_seconds} s, the mouse moved after ${awayMs} ms`);
      await waitUntil(() => spooledAlerts(dataDir).length === 0, 5000, 'the spool emptied once acknowledged');
    } finally {
      await agent.stop('SIGKILL');
      await xvfb.stop();
    }
  });
});
