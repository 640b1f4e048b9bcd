import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pause } from '@vaahshare/protocol';
import { api, connectAgent, connectDashboard, login, startServer, waitUntil, type TestServer } from '../test/harness.js';
import { checkPausePolicy } from './pauses.js';

describe('pause policy (plain function)', () => {
  test('off unless the company allows it, and never longer than its maximum', () => {
    assert.equal(checkPausePolicy(undefined, 5)?.code, 'pause_not_allowed');
    assert.equal(checkPausePolicy({ pause_allowed: false, pause_max_minutes: 30 }, 5)?.code, 'pause_not_allowed');
    assert.equal(checkPausePolicy({ pause_allowed: true, pause_max_minutes: 30 }, 31)?.message, 'Your company allows pauses of at most 30 minutes');
    assert.equal(checkPausePolicy({ pause_allowed: true, pause_max_minutes: 30 }, 30), null);
  });
});

describe('pauses asked for at the desktop', () => {
  let t: TestServer;
  let token: string;
  before(async () => {
    t = await startServer();
    token = await login(t.url);
  });
  after(() => t.dispose());

  test('refused while the company does not allow it or when too long; recorded, announced and listed when allowed; resume ends it', async () => {
    const agent = await connectAgent(t.url, 'pausing@pc');
    const dash = await connectDashboard(t.url, token);
    const announced: Pause[] = [];
    dash.socket.on('pause-updated', ({ pause }) => announced.push(pause));
    const pause = (minutes: unknown, reason: unknown) => agent.socket.timeout(5000).emitWithAck('pause', { minutes, reason } as never);

    const refused = await pause(5, 'a call');
    assert.deepEqual(refused, { ok: false, error: 'pause_not_allowed', message: 'Your company does not allow pausing the recording' });

    const { body } = await api(t.url, '/api/companies', { token });
    const allowed = await api(t.url, `/api/companies/${body.data[0].id}/settings`, { token, method: 'PATCH', body: { pause_allowed: true, pause_max_minutes: 5 } });
    assert.equal(allowed.status, 200);
    assert.equal((await api(t.url, `/api/companies/${body.data[0].id}/settings`, { token, method: 'PATCH', body: { pause_max_minutes: 0 } })).status, 400);
    const tooLong = await pause(10, 'a long call');
    assert.equal(tooLong.ok, false);
    assert.equal(!tooLong.ok && tooLong.message, 'Your company allows pauses of at most 5 minutes');
    const noReason = await pause(2, '   ');
    assert.equal(!noReason.ok && noReason.error, 'bad_request');
    assert.match(!noReason.ok ? noReason.message : '', /give a reason/);

    const started = await pause(3, '  Doctor on the phone ');
    assert.ok(started.ok, JSON.stringify(started));
    assert.equal(started.pause.reason, 'Doctor on the phone');
    assert.equal(Date.parse(started.pause.ends_at) - Date.parse(started.pause.started_at), 3 * 60_000);
    await waitUntil(() => announced.length === 1, 3000, 'the dashboard hears of the pause');

    const resumed = await agent.socket.timeout(5000).emitWithAck('resume', {});
    assert.ok(resumed.ok && resumed.pause?.ended_at, JSON.stringify(resumed));
    await waitUntil(() => announced.length === 2, 3000, 'the dashboard hears the pause ended');
    const detail = await api(t.url, `/api/clients/${agent.client.id}`, { token });
    assert.equal(detail.body.data.pauses.length, 1);
    assert.equal(detail.body.data.pauses[0].reason, 'Doctor on the phone');
    assert.equal(detail.body.data.pauses[0].ended_at, resumed.ok && resumed.pause!.ended_at);
    assert.equal(detail.body.data.is_connected, true);
    agent.socket.disconnect();
    dash.socket.disconnect();
  });
});
