import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ViewersPayload } from '@vaahshare/protocol';
import { ADMIN_EMAIL, api, connectAgent, connectDashboard, connected, hello, login, machineInfo, openSocket, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { HIDDEN_VIEWER_NAME } from './viewer-names.js';

describe('agents hear who watches them live (`viewers`)', () => {
  let t: TestServer;
  let token: string;
  before(async () => {
    t = await startServer({ LEGACY_AGENTS: 'true' });
    token = await login(t.url);
  });
  after(() => t.dispose());

  test('names arrive when a dashboard watches and leave when it stops; the company can hide names, never the viewers; the original client hears nothing', async () => {
    const agent = await connectAgent(t.url, 'watched@pc');
    const told: string[][] = [];
    agent.socket.on('viewers', (payload: ViewersPayload) => told.push(payload.names));
    const original = openSocket(t.url, { app: 'electron', token: null });
    await connected(original);
    original.emit('client-connected', { machine_info: machineInfo('watched@pc'), company_id: '1' });
    const originalHeard: unknown[] = [];
    original.on('viewers', (p) => originalHeard.push(p));

    const first = await connectDashboard(t.url, token);
    const second = await connectDashboard(t.url, token);
    assert.equal((await first.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
    await waitUntil(() => told.length === 1, 3000, 'the first viewer named');
    assert.deepEqual(told[0], [ADMIN_EMAIL]);
    assert.equal((await second.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
    await waitUntil(() => told.length === 2, 3000, 'the second viewer named');
    assert.deepEqual(told[1], [ADMIN_EMAIL, ADMIN_EMAIL]);

    const { body } = await api(t.url, '/api/companies', { token });
    const hidden = await api(t.url, `/api/companies/${body.data[0].id}/settings`, { token, method: 'PATCH', body: { viewer_names_shown: false } });
    assert.equal(hidden.status, 200);
    assert.equal(hidden.body.data.viewer_names_shown, false);
    second.socket.disconnect();
    await waitUntil(() => told.length === 3, 3000, 'the leaving viewer');
    assert.deepEqual(told[2], [HIDDEN_VIEWER_NAME], 'the name is hidden, the viewer is not');

    await first.socket.emitWithAck('unwatch', { client_id: agent.client.id });
    await waitUntil(() => told.length === 4, 3000, 'nobody watches any more');
    assert.deepEqual(told[3], []);

    const bad = await api(t.url, `/api/companies/${body.data[0].id}/settings`, { token, method: 'PATCH', body: { viewer_names_shown: 'no' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /viewer_names_shown must be true or false/);
    assert.deepEqual(originalHeard, []);
    first.socket.disconnect();
    agent.socket.disconnect();
    original.disconnect();
  });

  test('an agent that connects while someone watches hears the names at once', async () => {
    const dash = await connectDashboard(t.url, token);
    const first = await connectAgent(t.url, 'late@pc');
    assert.equal((await dash.socket.emitWithAck('watch', { client_id: first.client.id })).ok, true);
    first.socket.disconnect();
    const again = openSocket(t.url);
    const told: string[][] = [];
    again.on('viewers', (payload: ViewersPayload) => told.push(payload.names));
    await connected(again);
    const reply = await again.emitWithAck('client-connected', hello('late@pc'));
    assert.equal(reply.ok, true);
    assert.equal(reply.ok && reply.company?.name, 'Default company', 'the ack names the company');
    await waitUntil(() => told.length === 1, 3000, 'names on connect');
    assert.equal(told[0].length, 1);
    dash.socket.disconnect();
    again.disconnect();
  });
});
