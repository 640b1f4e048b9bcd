import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { AgentBuildManifest, Client } from '@vaahshare/protocol';
import { decodeFrames } from '@vaahshare/testkit/webm';
import { AGENT_TOKEN, api, login, startServer, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { stampVersion } from '../scripts/version-slot.mjs';
import { readStatus, isAlive } from '../src/status.js';
import { spoolDirOf } from '../src/spool/spool.js';
import { agentArgs, runAgent } from './agent-process.js';
import { downloadVideo, finalizedMedia, capturedMore } from './helpers.js';

// Self-update with real processes (PROTOCOL.md §8.14): the linux-x64 executable built from this checkout (when
// stale), re-stamped as builds N and N+1 (its version slot), a server holding the newer one, and the agent's spool
// compared byte for byte (frame for frame) with what the server keeps.
const BUILD_SCRIPT = fileURLToPath(new URL('../scripts/build-executables.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/executables/linux-x64/', import.meta.url));
const BUILD_N = '0.0.1+self-n';
/** A few seconds of the test picture as the agent encodes it (the default preset: 2 fps at crf 63, ~3.5 kB a second). */
const SECOND_OF_VIDEO = 7_500;

let server: TestServer;
let admin: string;
let builds: string;
let built: Buffer;
const agents: number[] = [];

before(async () => {
  const build = spawnSync(process.execPath, [BUILD_SCRIPT, 'linux-x64', '--if-stale', '--quiet'], { encoding: 'utf8' });
  assert.equal(build.status, 0, `building the linux-x64 agent failed: ${build.stderr}`);
  built = fs.readFileSync(path.join(BUILT, 'vaahshare-agent'));
  builds = tempDir('vaahshare-builds-');
  server = await startServer({ AGENT_BUILDS_DIR: builds, AGENT_UPDATE_CHECK_MS: '300' });
  admin = await login(server.url);
});
after(async () => {
  for (const pid of agents) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await server.dispose();
  fs.rmSync(builds, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** What an admin does to roll out a build: puts it (and its manifest) in the server's AGENT_BUILDS_DIR. */
function publish(version: string, agent: Buffer, statedSha256 = sha256(agent)) {
  const dir = path.join(builds, 'linux-x64');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'vaahshare-agent'), agent, { mode: 0o755 });
  const manifest: AgentBuildManifest = {
    platform: 'linux-x64',
    version,
    node: process.versions.node,
    built_at: new Date().toISOString(),
    agent: { file: 'vaahshare-agent', size: agent.length, sha256: statedSha256 },
    ffmpeg: { file: 'ffmpeg', size: 0, sha256: sha256(Buffer.alloc(0)) },
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

interface Desktop {
  exe: string;
  dataDir: string;
  userHost: string;
  log: string;
  /** Every recording the agent captured, hard-linked as it appeared: the agent deletes its copy once sent. */
  recorded: Map<string, string>;
  stopMirror: () => void;
}

/** Build N installed as the install script lays it out (ffmpeg beside it), started with `start` as a login would. */
function startDesktop(userHost: string, trialSeconds = 20): Desktop {
  const home = tempDir('vaahshare-update-home-');
  const lib = path.join(home, 'lib');
  fs.mkdirSync(lib);
  const exe = path.join(lib, 'vaahshare-agent');
  fs.writeFileSync(exe, stampVersion(built, BUILD_N), { mode: 0o755 });
  fs.symlinkSync(path.join(BUILT, 'ffmpeg'), path.join(lib, 'ffmpeg'));
  const dataDir = path.join(home, 'data');
  const log = path.join(home, 'agent.log');
  const out = fs.openSync(log, 'a');
  const args = ['start', '--server', server.url, '--token', AGENT_TOKEN, '--user-host', userHost, '--data-dir', dataDir, '--source', 'test', '--size', '320x240', '--bitrate', '300k', '--no-window'];
  const env = { PATH: '/usr/bin:/bin', HOME: home, VAAHSHARE_CONFIG: path.join(home, 'none.json'), VAAHSHARE_UPDATE_TRIAL_SECONDS: String(trialSeconds) };
  const child = spawn(exe, args, { env, stdio: ['ignore', out, out], detached: true });
  child.unref();
  fs.closeSync(out);
  agents.push(child.pid!);
  const mirror = path.join(home, 'recorded');
  fs.mkdirSync(mirror);
  const recorded = new Map<string, string>();
  const spool = spoolDirOf(dataDir, userHost);
  const poll = setInterval(() => {
    for (const name of fs.existsSync(spool) ? fs.readdirSync(spool).filter((f) => f.endsWith('.webm')) : []) {
      if (recorded.has(name)) continue;
      try {
        fs.linkSync(path.join(spool, name), path.join(mirror, name));
        recorded.set(name, path.join(mirror, name));
      } catch {}
    }
    const status = readStatus(spool);
    if (status && !agents.includes(status.pid)) agents.push(status.pid);
  }, 20);
  return { exe, dataDir, userHost, log, recorded, stopMirror: () => clearInterval(poll) };
}

const clientOf = async (userHost: string): Promise<Client | undefined> =>
  ((await api<{ data: Client[] }>(server.url, `/api/clients?q=${encodeURIComponent(userHost)}`, { token: admin })).body.data ?? []).find((c) => c.user_host === userHost);
const logOf = (desktop: Desktop) => fs.readFileSync(desktop.log, 'utf8');

/** Stops whichever process runs the desktop's agent now (it sends the rest, then `app-closed`). */
async function stopDesktop(desktop: Desktop) {
  const status = readStatus(spoolDirOf(desktop.dataDir, desktop.userHost));
  assert.ok(status && isAlive(status.pid), `an agent runs:\n${logOf(desktop)}`);
  process.kill(status.pid, 'SIGTERM');
  await waitUntil(() => !isAlive(status.pid), 30_000, 'the agent stopped');
  desktop.stopMirror();
}

/** Every recorded file reached the server whole: same frames in the server's recording as in the agent's file. */
async function assertNothingLost(desktop: Desktop) {
  const client = (await clientOf(desktop.userHost))!;
  const media = await finalizedMedia(server.url, admin, client.id, desktop.recorded.size);
  for (const [name, file] of desktop.recorded) {
    const item = media.find((m) => `${m.original_name}.webm` === name);
    assert.ok(item, `${name} is on the server (${media.map((m) => m.original_name).join(', ')})`);
    assert.equal(item.status, 'ready', JSON.stringify(item));
    const [local, held] = [await decodeFrames(file), await decodeFrames(await downloadVideo(server.url, admin, item))];
    assert.ok(local.frames > 0);
    assert.equal(held.frames, local.frames, `every frame of ${name} recorded by the agent is on the server`);
  }
}

test('a server holding build N+1 updates a running build-N agent; the old executable stays beside it; nothing recorded is lost', { timeout: 150_000 }, async () => {
  const desktop = startDesktop('updated@desktop');
  await waitUntil(async () => (await clientOf('updated@desktop'))?.is_streaming === true, 30_000, 'build N streaming');
  assert.equal((await clientOf('updated@desktop'))!.meta.agent_version, BUILD_N);
  await capturedMore(desktop.dataDir, 2 * SECOND_OF_VIDEO);

  const next = stampVersion(built, '0.0.1+self-n1');
  publish('0.0.1+self-n1', next);
  await waitUntil(async () => (await clientOf('updated@desktop'))?.meta.agent_version === '0.0.1+self-n1', 60_000, `build N+1 connected:\n${logOf(desktop)}`);
  // The old process says so once it saw the new one connect (it polls), then leaves.
  await waitUntil(() => /updated to 0\.0\.1\+self-n1/.test(logOf(desktop)), 10_000, 'the old agent done');
  assert.match(logOf(desktop), /updated to 0\.0\.1\+self-n1: the new agent \(pid \d+\) is connected; the old one stays as .*vaahshare-agent\.previous/);
  assert.equal(sha256(fs.readFileSync(desktop.exe)), sha256(next), 'the new build in place');
  assert.equal(sha256(fs.readFileSync(`${desktop.exe}.previous`)), sha256(stampVersion(built, BUILD_N)), 'the old one beside it');
  const client = (await clientOf('updated@desktop'))!;
  assert.equal(client.meta.agent_update, undefined, 'no update pending or failed');
  await waitUntil(async () => (await clientOf('updated@desktop'))?.is_streaming === true, 30_000, 'build N+1 streaming');
  await capturedMore(desktop.dataDir, 2 * SECOND_OF_VIDEO);
  await stopDesktop(desktop);
  assert.ok(desktop.recorded.size >= 2, 'a recording of each build');
  await assertNothingLost(desktop);
});

test('a tampered build is refused and reported; a broken one (exits at once) and a hanging one are rolled back and reported; nothing recorded is lost', { timeout: 150_000 }, async () => {
  publish(BUILD_N, stampVersion(built, BUILD_N));
  // No build here is to connect: a short trial.
  const desktop = startDesktop('careful@desktop', 4);
  await waitUntil(async () => (await clientOf('careful@desktop'))?.is_streaming === true, 30_000, 'build N streaming');
  await capturedMore(desktop.dataDir, 2 * SECOND_OF_VIDEO);

  const tampered = stampVersion(built, '0.0.1+self-evil');
  publish('0.0.1+self-evil', tampered, sha256(stampVersion(built, '0.0.1+self-good')));
  const updateState = async () => ((await clientOf('careful@desktop'))?.meta.agent_update as { state?: string; version?: string } | undefined) ?? {};
  await waitUntil(async () => (await updateState()).state === 'failed', 30_000, `the refusal reported:\n${logOf(desktop)}`);
  const refused = (await clientOf('careful@desktop'))!;
  assert.deepEqual({ ...(refused.meta.agent_update as object), at: undefined }, {
    state: 'failed',
    version: '0.0.1+self-evil',
    reason: `download refused: sha256 mismatch: the server states ${sha256(stampVersion(built, '0.0.1+self-good'))}, the download is ${sha256(tampered)}`,
    at: undefined,
  });
  assert.match(logOf(desktop), /update to 0\.0\.1\+self-evil failed: download refused: sha256 mismatch/);
  assert.equal(sha256(fs.readFileSync(desktop.exe)), sha256(stampVersion(built, BUILD_N)), 'the executable untouched');
  assert.deepEqual(fs.readdirSync(path.dirname(desktop.exe)).sort(), ['ffmpeg', 'vaahshare-agent'], 'nothing downloaded left behind');
  assert.equal(refused.is_streaming, true, 'the agent goes on streaming');

  publish('0.0.1+self-broken', Buffer.from('#!/bin/sh\necho "broken build"\nexit 3\n'));
  await waitUntil(async () => (await updateState()).version === '0.0.1+self-broken' && (await updateState()).state === 'failed', 60_000, `the rollback reported:\n${logOf(desktop)}`);
  await waitUntil(async () => (await clientOf('careful@desktop'))?.is_streaming === true, 30_000, `build N streaming again:\n${logOf(desktop)}`);
  const back = (await clientOf('careful@desktop'))!;
  assert.equal(back.meta.agent_version, BUILD_N);
  assert.deepEqual({ ...(back.meta.agent_update as object), at: undefined }, { state: 'failed', version: '0.0.1+self-broken', reason: 'the new agent exited (code 3) before it connected', at: undefined });
  assert.match(logOf(desktop), /broken build/);
  assert.match(logOf(desktop), /rolled back to 0\.0\.1\+self-n: starting it again/);
  assert.equal(sha256(fs.readFileSync(desktop.exe)), sha256(stampVersion(built, BUILD_N)), 'the old executable back in place');
  await capturedMore(desktop.dataDir, 2 * SECOND_OF_VIDEO);

  publish('0.0.1+self-hangs', Buffer.from('#!/bin/sh\nexec sleep 600\n'));
  await waitUntil(async () => (await updateState()).version === '0.0.1+self-hangs' && (await updateState()).state === 'failed', 60_000, `the hanging build rolled back:\n${logOf(desktop)}`);
  assert.equal((await updateState() as { reason?: string }).reason, 'the new agent did not connect within 4 s');
  await waitUntil(async () => (await clientOf('careful@desktop'))?.is_streaming === true, 30_000, `build N streaming again:\n${logOf(desktop)}`);
  assert.equal(sha256(fs.readFileSync(desktop.exe)), sha256(stampVersion(built, BUILD_N)), 'the old executable back in place');
  await capturedMore(desktop.dataDir, 2 * SECOND_OF_VIDEO);
  await stopDesktop(desktop);
  assert.ok(desktop.recorded.size >= 3, 'a recording before and after each rollback');
  await assertNothingLost(desktop);
});

test('an agent run from source (node/tsx) is offered the build too, and says in its log that it does not update itself', { timeout: 60_000 }, async () => {
  publish('0.0.1+self-n1', stampVersion(built, '0.0.1+self-n1'));
  const dataDir = tempDir('vaahshare-agent-');
  const agent = runAgent(agentArgs(server.url, 'checkout@desktop', dataDir));
  try {
    await agent.waitFor(/the server has agent 0\.0\.1\+self-n1, but this agent runs from source \(node\/tsx\): it does not update itself/);
    assert.equal((await clientOf('checkout@desktop'))!.meta.agent_version, 'dev');
    assert.equal((await clientOf('checkout@desktop'))!.meta.agent_update, undefined, 'nothing reported: no update was tried');
  } finally {
    assert.equal(await agent.stop('SIGINT'), 0);
  }
});
