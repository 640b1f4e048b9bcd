import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MonitoringHours, MonitoringHoursPayload } from '@vaahshare/protocol';
import { api, connectDashboard, connected, disconnectAll, hello, login, openSocket, rememberDeviceSecret, roundTrip, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { rolesFixture, type RolesFixture } from '../test/roles-fixture.js';

const office: MonitoringHours = { time_zone: 'Europe/Berlin', days: { mon: [{ start: '09:00', end: '18:00' }], fri: [{ start: '09:00', end: '18:00' }] } };
/** Wednesdays 09:00–12:00 UTC: the server's clock is put just before its end. */
const wednesdayMornings: MonitoringHours = { time_zone: 'UTC', days: { wed: [{ start: '09:00', end: '12:00' }] } };
const always: MonitoringHours = { time_zone: 'UTC', days: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]])) };

/**
 * The server's clock: real time shifted to a chosen instant, so that a boundary comes within seconds and the
 * server's own timer reaches it (tests wait on the event, not on time); `setTo` again moves it at once.
 */
function shiftedClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    setTo: (iso: string) => (offset = Date.parse(iso) - Date.now()),
  };
}

/** An agent socket that records every `monitoring-hours` it hears, from before its `client-connected`. */
async function agentHearingHours(url: string, userHost: string, options: { token?: string | null; app?: string; company_id?: number } = {}) {
  const socket = openSocket(url, { token: options.token, app: options.app });
  const heard: MonitoringHoursPayload[] = [];
  socket.on('monitoring-hours', (payload) => heard.push(payload));
  await connected(socket);
  const reply = await socket.timeout(5000).emitWithAck('client-connected', { ...hello(userHost, options), ...(options.company_id && { company_id: options.company_id }) });
  assert.ok(reply.ok, JSON.stringify(reply));
  rememberDeviceSecret(userHost, reply, options);
  return { socket, heard, clientId: reply.client.id };
}

const brief = (p: MonitoringHoursPayload) => ({ inside: p.inside, next: p.next_change_at });

describe('monitoring hours over REST: who may read and set them', () => {
  let t: TestServer;
  let f: RolesFixture;
  before(async () => {
    t = await startServer();
    f = await rolesFixture(t);
  });
  after(async () => {
    disconnectAll();
    await t.dispose();
  });

  const get = (token: string, query = '') => api(t.url, `/api/monitoring-hours${query}`, { token });
  const put = (token: string, body: unknown) => api(t.url, '/api/monitoring-hours', { token, method: 'PUT', body });

  test('an admin sets the company default and a group’s own; viewers read their groups’ only; others are refused and change nothing', async () => {
    const viewerTab = await connectDashboard(t.url, f.tokens.viewer);
    const heardByViewer: unknown[] = [];
    viewerTab.socket.on('monitoring-hours-updated', (payload) => heardByViewer.push(payload));
    const before = await get(f.tokens.admin);
    assert.equal(before.status, 200);
    assert.deepEqual(before.body.data.default, null);
    assert.deepEqual(before.body.data.groups.map((g: { name: string; hours: unknown }) => [g.name, g.hours]), [['Default', null], ['Sales', null], ['Support', null]]);

    assert.deepEqual((await put(f.tokens.viewer, { group_id: null, hours: office })).body, { error: 'forbidden', message: 'Only an admin may do this' });
    assert.equal((await put(f.tokens.auditor, { group_id: f.sales.id, hours: office })).status, 403);
    assert.deepEqual((await get(f.tokens.auditor)).body, { error: 'forbidden', message: 'Your role does not show clients' });

    const setDefault = await put(f.tokens.admin, { group_id: null, hours: office });
    assert.deepEqual(setDefault.body, { data: { group_id: null, hours: office } });
    const setSales = await put(f.tokens.admin, { group_id: f.sales.id, hours: always });
    assert.equal(setSales.status, 200);
    assert.equal((await put(f.tokens.admin, { group_id: f.support.id, hours: office })).status, 200);
    assert.equal((await put(f.tokens.admin, { group_id: f.support.id, hours: null })).status, 200);
    // The viewer's open dashboard hears of the default's change and its own group's, not of Support's.
    await roundTrip(viewerTab.socket);
    assert.deepEqual(heardByViewer, [{ company_id: f.companyId }, { company_id: f.companyId }]);

    const seenByViewer = await get(f.tokens.viewer);
    assert.deepEqual(seenByViewer.body.data, { company_id: f.companyId, default: office, groups: [{ group_id: f.sales.id, name: 'Sales', hours: always }] });

    const entries = (await api(t.url, '/api/audit?action=monitoring-hours-changed', { token: f.tokens.admin })).body.data;
    assert.deepEqual(entries.map((e: { target: { kind: string; label: string | null }; details: { before: unknown } }) => [e.target.kind, e.target.label, e.details.before]), [
      ['group', 'Support', office],
      ['group', 'Support', null],
      ['group', 'Sales', null],
      ['company', null, null],
    ]);
  });

  test('bad schedules are refused with a clear 400 and change nothing; another company’s group is missing', async () => {
    const stored = (await get(f.tokens.admin)).body.data;
    const badZone = await put(f.tokens.admin, { group_id: null, hours: { ...office, time_zone: 'Europe/Atlantis' } });
    assert.equal(badZone.status, 400);
    assert.match(badZone.body.message, /IANA time zone/);
    const badTime = await put(f.tokens.admin, { group_id: f.sales.id, hours: { time_zone: 'UTC', days: { mon: [{ start: '25:00', end: '18:00' }] } } });
    assert.equal(badTime.status, 400);
    assert.match(badTime.body.message, /HH:MM/);
    assert.equal((await put(f.tokens.admin, { hours: null })).status, 400, 'group_id must be said, null for the default');

    const other = await api(t.url, '/api/companies', { token: f.tokens.superadmin, body: { name: 'Other Ltd' } });
    const otherGroups = await api(t.url, `/api/groups?company_id=${other.body.data.id}`, { token: f.tokens.superadmin });
    const foreign = await put(f.tokens.admin, { group_id: otherGroups.body.data[0].id, hours: office });
    assert.deepEqual(foreign.body, { error: 'not_found', message: `Group ${otherGroups.body.data[0].id} not found` });
    assert.equal((await put(f.tokens.admin, { group_id: 2147483000, hours: office })).status, 404);
    assert.deepEqual((await get(f.tokens.admin)).body.data, stored, 'nothing changed');

    // A superadmin sets another company's hours by naming it, and that company's admins see none of it here.
    const theirs = await put(f.tokens.superadmin, { company_id: other.body.data.id, group_id: null, hours: always });
    assert.equal(theirs.status, 200);
    assert.deepEqual((await get(f.tokens.admin)).body.data, stored);
    assert.deepEqual((await get(f.tokens.superadmin, `?company_id=${other.body.data.id}`)).body.data.default, always);
  });
});

describe('monitoring hours over sockets: agents are told on connect, at each boundary and on every change', () => {
  const clock = shiftedClock();
  let t: TestServer;
  let admin: string;
  let companyId: number;
  before(async () => {
    clock.setTo('2026-12-02T11:59:54Z'); // a Wednesday, six seconds before noon
    t = await startServer({ LEGACY_AGENTS: 'true' }, { clock });
    admin = await login(t.url);
    companyId = (await api(t.url, '/api/auth/me', { token: admin })).body.data.company_id;
  });
  after(async () => {
    disconnectAll();
    await t.dispose();
  });

  test('without hours an agent is told it is always recorded; the original client is never told anything', async () => {
    const agent = await agentHearingHours(t.url, 'free@pc');
    await waitUntil(() => agent.heard.length === 1, 5000, 'the hours on connect');
    assert.deepEqual(agent.heard[0], { hours: null, inside: true, next_change_at: null, server_time: agent.heard[0].server_time });
    assert.ok(Math.abs(Date.parse(agent.heard[0].server_time) - clock.now()) < 5000, 'stamped with the server’s clock');
    agent.socket.disconnect();
  });

  test('the server’s own timer tells connected agents at the boundary; a change tells them at once; legacy clients hear nothing', async () => {
    clock.setTo('2026-12-02T11:59:54Z');
    assert.equal((await api(t.url, '/api/monitoring-hours', { token: admin, method: 'PUT', body: { group_id: null, hours: wednesdayMornings } })).status, 200);
    const agent = await agentHearingHours(t.url, 'office@pc');
    const legacy = await agentHearingHours(t.url, 'old@pc', { app: 'electron', token: null, company_id: companyId });
    await waitUntil(() => agent.heard.length === 1, 5000, 'the hours on connect');
    assert.deepEqual(brief(agent.heard[0]), { inside: true, next: '2026-12-02T12:00:00.000Z' });
    assert.deepEqual(agent.heard[0].hours, wednesdayMornings);

    // Noon on the server's clock, a few real seconds on.
    await waitUntil(() => agent.heard.length === 2, 15_000, 'the boundary, by the server’s timer');
    assert.deepEqual(brief(agent.heard[1]), { inside: false, next: '2026-12-09T09:00:00.000Z' });

    // The next Wednesday morning, reached at once by a fake clock and what the timer runs.
    clock.setTo('2026-12-09T09:00:30Z');
    await t.server.monitoringHours.boundary();
    // A week on, the admin's session has expired by the server's clock.
    admin = await login(t.url);
    await waitUntil(() => agent.heard.length === 3, 5000, 'inside again');
    assert.deepEqual(brief(agent.heard[2]), { inside: true, next: '2026-12-09T12:00:00.000Z' });

    // Removing the company's hours: recorded always, at once.
    assert.equal((await api(t.url, '/api/monitoring-hours', { token: admin, method: 'PUT', body: { group_id: null, hours: null } })).status, 200);
    await waitUntil(() => agent.heard.length === 4, 5000, 'the change');
    assert.deepEqual({ ...brief(agent.heard[3]), hours: agent.heard[3].hours }, { inside: true, next: null, hours: null });

    await roundTrip(legacy.socket);
    assert.deepEqual(legacy.heard, [], 'the original client is not told (PROTOCOL.md §6)');
  });

  test('moving a client to a group with its own hours tells it those; other agents hear nothing new', async () => {
    clock.setTo('2026-12-02T13:00:00Z'); // Wednesday afternoon
    admin = await login(t.url);
    const night = (await api(t.url, '/api/groups', { token: admin, body: { name: 'Night shift' } })).body.data;
    const nightHours: MonitoringHours = { time_zone: 'UTC', days: { wed: [{ start: '22:00', end: '06:00' }] } };
    assert.equal((await api(t.url, '/api/monitoring-hours', { token: admin, method: 'PUT', body: { group_id: night.id, hours: nightHours } })).status, 200);
    const mover = await agentHearingHours(t.url, 'mover@pc');
    const stayer = await agentHearingHours(t.url, 'stayer@pc');
    await waitUntil(() => mover.heard.length === 1 && stayer.heard.length === 1, 5000, 'the hours on connect');
    assert.equal(mover.heard[0].inside, true, 'the default group has no hours now');

    const moved = await api(t.url, `/api/groups/${night.id}/clients`, { token: admin, body: { client_ids: [mover.clientId] } });
    assert.deepEqual(moved.body, { data: { moved: 1 } });
    await waitUntil(() => mover.heard.length === 2, 5000, 'the new group’s hours');
    assert.deepEqual(brief(mover.heard[1]), { inside: false, next: '2026-12-02T22:00:00.000Z' });
    assert.deepEqual(mover.heard[1].hours, nightHours);

    // Deleting the group moves it back to the default group, which records always.
    assert.equal((await api(t.url, `/api/groups/${night.id}`, { token: admin, method: 'DELETE' })).status, 200);
    await waitUntil(() => mover.heard.length === 3, 5000, 'the default group’s hours again');
    assert.deepEqual(brief(mover.heard[2]), { inside: true, next: null });
    await roundTrip(stayer.socket);
    assert.equal(stayer.heard.length, 1, 'nothing changed for the agent that stayed');
  });

  test('an agent gone while its client-connected was still being handled is not kept', async () => {
    admin = await login(t.url);
    const dashboard = await connectDashboard(t.url, admin);
    const kept = t.server.monitoringHours.agentsHere();
    const socket = openSocket(t.url);
    await connected(socket);
    // The transport is cut right after the event: the disconnect reaches the server while it handles the event.
    socket.emit('client-connected', hello('brief@pc'));
    socket.disconnect();
    // The drop is handled after the event (presence's order): the agent was added by then, if ever.
    await waitUntil(() => dashboard.of('brief@pc').includes('client-reconnecting'), 5000, 'the drop');
    await waitUntil(() => t.server.monitoringHours.agentsHere() === kept, 5000, 'the gone agent forgotten');
  });
});
