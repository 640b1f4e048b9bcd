import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, afterEach, before, describe, test } from 'node:test';
import type { AgentUpdateOffer, Client } from '@vaahshare/protocol';
import {
  connectDashboard,
  connected,
  disconnectAll,
  login,
  machineInfo,
  openSocket,
  roundTrip,
  startServer,
  tempDir,
  waitUntil,
  type TestServer,
} from '@vaahshare/testkit';
import { writeBuild } from './test-helpers.js';
import { offerFor, publishedBuilds } from './updates.js';

const fakeBuilds = (versions: Record<string, string>) => ({
  manifest: (platform: string) =>
    versions[platform]
      ? { platform, version: versions[platform], node: '20', built_at: '', agent: { file: 'a', size: 3, sha256: 'a'.repeat(64) }, ffmpeg: { file: 'f', size: 1, sha256: 'b'.repeat(64) } }
      : null,
}) as Parameters<typeof offerFor>[0];

describe('agent update offers (plain)', () => {
  test('an agent running another build than the one held for its platform is offered it; the same build, an unknown platform or none is not', () => {
    const builds = fakeBuilds({ 'linux-x64': '1.0.0+b' });
    assert.deepEqual(offerFor(builds, { agent_platform: 'linux-x64', agent_version: '1.0.0+a' }), {
      platform: 'linux-x64',
      version: '1.0.0+b',
      sha256: 'a'.repeat(64),
      size: 3,
      url: '/agent/download/linux-x64',
    });
    assert.equal(offerFor(builds, { agent_platform: 'linux-x64', agent_version: '1.0.0+b' }), null);
    assert.equal(offerFor(builds, { agent_platform: 'win-x64', agent_version: '1.0.0+a' }), null, 'not built for it');
    assert.equal(offerFor(builds, { agent_platform: 'linux-arm64', agent_version: '1.0.0+a' }), null);
    assert.equal(offerFor(builds, { agent_version: '1.0.0+a' }), null, 'the original client says no platform');
  });

  test('a build that changed after the first look is news, once', () => {
    const versions: Record<string, string> = { 'linux-x64': 'a' };
    const heard: string[] = [];
    const check = publishedBuilds(fakeBuilds(versions), (offer) => heard.push(`${offer.platform} ${offer.version}`));
    check();
    assert.deepEqual(heard, [], 'what is there at start is not news');
    versions['linux-x64'] = 'b';
    versions['win-x64'] = 'w';
    check();
    check();
    assert.deepEqual(heard, ['linux-x64 b', 'win-x64 w']);
  });
});

describe('agent update offers and reports (real server)', () => {
  let server: TestServer;
  let builds: string;
  let admin: string;

  before(async () => {
    builds = tempDir('vaahshare-builds-');
    writeBuild(builds, 'linux-x64', { agent: Buffer.from('agent v2'), ffmpeg: Buffer.from('ff'), version: '2.0.0+two' });
    server = await startServer({ AGENT_BUILDS_DIR: builds, AGENT_UPDATE_CHECK_MS: '100', LEGACY_AGENTS: 'true' });
    admin = await login(server.url);
  });
  afterEach(() => disconnectAll());
  after(async () => {
    await server.dispose();
    fs.rmSync(builds, { recursive: true, force: true });
  });

  /** An agent socket announcing itself, with every `agent-update` it hears. */
  async function agent(userHost: string, extra: Record<string, unknown>, options: Parameters<typeof openSocket>[1] = {}, companyId?: number) {
    const socket = openSocket(server.url, options);
    const offers: AgentUpdateOffer[] = [];
    socket.on('agent-update', (offer) => offers.push(offer));
    await connected(socket);
    const reply = await socket.timeout(5000).emitWithAck('client-connected', { machine_info: { ...machineInfo(userHost), ...extra }, company_id: companyId } as never);
    assert.ok(reply.ok, JSON.stringify(reply));
    return { socket, offers, client: reply.client };
  }

  test('an agent of an older build is offered the held one before its client-connected is answered; a current one is not', async () => {
    const old = await agent('old@pc', { agent_version: '1.0.0+one', agent_platform: 'linux-x64' });
    assert.deepEqual(old.offers.map((o) => o.version), ['2.0.0+two']);
    assert.match(old.offers[0]!.sha256, /^[0-9a-f]{64}$/);
    const res = await fetch(`${server.url}${old.offers[0]!.url}`);
    assert.equal(await res.text(), 'agent v2', 'the offer names the download');
    const current = await agent('current@pc', { agent_version: '2.0.0+two', agent_platform: 'linux-x64' });
    await roundTrip(current.socket);
    assert.deepEqual(current.offers, []);
  });

  test('an original client (legacy, no platform) never hears of updates, not even when a build is published', async () => {
    const legacy = await agent('legacy@pc', { agent_version: '1.0.0+one', agent_platform: 'linux-x64' }, { app: 'electron', token: null }, 1);
    const watcher = await agent('watcher@pc', { agent_version: '2.0.0+two', agent_platform: 'linux-x64' });
    writeBuild(builds, 'linux-x64', { agent: Buffer.from('agent v3'), ffmpeg: Buffer.from('ff'), version: '3.0.0+three' });
    await waitUntil(() => watcher.offers.length === 1, 5000, 'the published build offered to the connected agent');
    assert.equal(watcher.offers[0]!.version, '3.0.0+three');
    await roundTrip(legacy.socket);
    assert.deepEqual(legacy.offers, []);
  });

  test('agent-update-status is kept in the client meta and told to dashboards; a bad one is refused and changes nothing', async () => {
    const dashboard = await connectDashboard(server.url, admin);
    const updated: Client[] = [];
    dashboard.socket.on('client-updated', (client) => updated.push(client));
    const desk = await agent('reporting@pc', { agent_version: '1.0.0+one', agent_platform: 'linux-x64' });
    const bad = await desk.socket.timeout(5000).emitWithAck('agent-update-status', { state: 'exploded', version: 'x' } as never);
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error, 'bad_request');
    const reply = await desk.socket.timeout(5000).emitWithAck('agent-update-status', { state: 'failed', version: '3.0.0+three', reason: 'sha256 mismatch' });
    assert.ok(reply.ok);
    const stored = reply.client.meta.agent_update as Record<string, unknown>;
    assert.deepEqual({ ...stored, at: typeof stored.at }, { state: 'failed', version: '3.0.0+three', reason: 'sha256 mismatch', at: 'string' });
    assert.equal(reply.client.meta.agent_version, '1.0.0+one', 'the rest of meta kept');
    await waitUntil(() => updated.length === 1, 5000, 'client-updated');
    assert.deepEqual(updated[0]!.meta, reply.client.meta);
    const stale = openSocket(server.url);
    await connected(stale);
    const refused = await stale.timeout(5000).emitWithAck('agent-update-status', { state: 'updating', version: '3.0.0+three' });
    assert.equal(!refused.ok && refused.error, 'bad_request', 'a socket that sent no client-connected changes nothing');
  });
});
