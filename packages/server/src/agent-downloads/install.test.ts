import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { Client } from '@vaahshare/protocol';
import { AGENT_TOKEN, api, login, startServer, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { listTree, runInstallLine } from './test-helpers.js';

// The real thing end to end: the linux-x64 executable built from this checkout (when stale), installed by the
// one line an admin pastes, for a user whose PATH has no Node, streaming to a real server.
const BUILD_SCRIPT = fileURLToPath(new URL('../../../agent/scripts/build-executables.mjs', import.meta.url));

/** The programs a desktop has, and no Node: what the install line and the agent may use. */
const DESKTOP_TOOLS = ['sh', 'curl', 'uname', 'mktemp', 'sha256sum', 'cut', 'chmod', 'mkdir', 'mv', 'ln', 'rm', 'find', 'wc', 'tr', 'dirname', 'rmdir', 'nohup', 'cat'];

function desktopPath(dir: string): string {
  for (const tool of DESKTOP_TOOLS) fs.symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), path.join(dir, tool));
  return dir;
}

/** Runs a program without blocking this process's event loop (the server under test runs in it). */
const run = promisify(execFile);

let server: TestServer;
let admin: string;
let home: string;
let bin: string;

before(async () => {
  const build = spawnSync(process.execPath, [BUILD_SCRIPT, 'linux-x64', '--if-stale', '--quiet'], { encoding: 'utf8' });
  assert.equal(build.status, 0, `building the linux-x64 agent failed: ${build.stderr}`);
  server = await startServer();
  admin = await login(server.url);
  home = tempDir('vaahshare-home-');
  bin = desktopPath(tempDir('vaahshare-bin-'));
});
after(async () => {
  await server.dispose();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(bin, { recursive: true, force: true });
});

const clientNamed = async (userHost: string) =>
  ((await api<{ data: Client[] }>(server.url, '/api/clients', { token: admin })).body.data ?? []).find((c) => c.user_host === userHost);

test('one line installs the agent for a user without Node: it connects, streams, and uninstalling leaves nothing', { timeout: 240_000 }, async () => {
  const env = { HOME: home, PATH: bin, VAAHSHARE_SOURCE: 'test', VAAHSHARE_SIZE: '320x240', VAAHSHARE_FPS: '5', VAAHSHARE_USER_HOST: 'installed@desktop-1' };
  assert.notEqual(spawnSync('sh', ['-c', 'command -v node'], { env }).status, 0, 'no node on the desktop PATH');

  const install = await runInstallLine(`${server.url}/agent/install.sh?token=${AGENT_TOKEN}`, [], env);
  assert.equal(install.code, 0, `install failed: ${install.stdout}${install.stderr}`);
  assert.match(install.stdout, /installed .*\/\.local\/lib\/vaahshare-agent\/vaahshare-agent \(with its ffmpeg\), linked as .*\/\.local\/bin\/vaahshare-agent/);
  // No systemd user manager here: the script says so and starts the agent itself.
  assert.match(install.stdout, /^vaahshare-agent: cannot start the agent at login: systemd is not running for this user here \(no `systemctl --user`\); so it does not start at login: starting it now in the background$/m);
  // No desktop session either: the window is not opened, the script says how.
  assert.match(install.stdout, /^vaahshare-agent: no desktop session here to show the agent's window in: from one, open it with: \S+ open \(or print its address: \S+ open --print\)$/m);
  const pid = Number(/started \(pid (\d+)\)/.exec(install.stdout)?.[1]);
  assert.ok(pid > 0, install.stdout);
  assert.equal(fs.readlinkSync(path.join(home, '.local/bin/vaahshare-agent')), path.join(home, '.local/lib/vaahshare-agent/vaahshare-agent'));
  // The application menu's entry "VaahShare" opens the window.
  const menuEntry = fs.readFileSync(path.join(home, '.local/share/applications/vaahshare-agent.desktop'), 'utf8');
  assert.match(menuEntry, /^Name=VaahShare$/m);
  assert.match(menuEntry, new RegExp(`^Exec="${home}/\\.local/lib/vaahshare-agent/vaahshare-agent" "open"$`, 'm'));
  const config = JSON.parse(fs.readFileSync(path.join(home, '.config/vaahshare-agent/config.json'), 'utf8'));
  assert.deepEqual(config, { server: server.url, token: AGENT_TOKEN });

  await waitUntil(async () => (await clientNamed('installed@desktop-1'))?.is_streaming === true, 60_000, 'the installed agent streaming');
  // The command the script printed to check on it works as printed (~/.local/bin is not on this PATH).
  const check = new RegExp(`check it with: (\\S+) status;`).exec(install.stdout)?.[1];
  assert.equal(check, path.join(home, '.local/bin/vaahshare-agent'));
  // The server sees the stream as soon as it starts, before the agent has sent what it captured while it was
  // connecting (on a loaded machine that passes the catch-up threshold, and the agent says "catching-up"): wait
  // until it says it is live, so that uninstalling also finds nothing left to send.
  let status = '';
  const isLive = async () => /: live \(/.test((status = (await run(check!, ['status'], { env, encoding: 'utf8' })).stdout));
  await waitUntil(isLive, 60_000, 'the agent saying it is live');
  assert.match(status, /^installed@desktop-1: live \(pid \d+, server http/);
  // The executable carries its window: `open --print` gives its address, which serves the page.
  const windowUrl = execFileSync(check!, ['open', '--print'], { env, encoding: 'utf8' }).trim();
  const page = await fetch(windowUrl);
  assert.equal(page.status, 200, windowUrl);
  assert.match(await page.text(), /<html/i);
  const manifest = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../../agent/dist/executables/linux-x64/manifest.json', import.meta.url)), 'utf8'));
  assert.equal((await clientNamed('installed@desktop-1'))!.meta.agent_version, manifest.version, 'the agent reports its build');

  const uninstall = await runInstallLine(`${server.url}/agent/install.sh`, ['--uninstall'], env);
  assert.equal(uninstall.code, 0, `uninstall failed: ${uninstall.stdout}${uninstall.stderr}`);
  assert.match(uninstall.stdout, /uninstalled: removed .*\/\.local\/lib\/vaahshare-agent/);
  assert.throws(() => process.kill(pid, 0), 'the agent stopped');
  assert.deepEqual(listTree(home), [], 'nothing left in HOME');
  await waitUntil(async () => (await clientNamed('installed@desktop-1'))?.is_connected === false, 10_000, 'the client disconnected');
});

test('--no-service installs and starts the agent without trying to start it at login; on a desktop it opens the window', { timeout: 120_000 }, async () => {
  // The desktop's opener (xdg-open) is where the test looks: it writes down the address it was asked to open.
  const openerDir = tempDir('vaahshare-opener-');
  const opened = path.join(openerDir, 'opened-url');
  fs.writeFileSync(path.join(openerDir, 'xdg-open'), `#!/bin/sh\necho "$1" > ${opened}\n`, { mode: 0o755 });
  const env = { HOME: home, PATH: `${bin}:${openerDir}`, DISPLAY: ':0', VAAHSHARE_SOURCE: 'test', VAAHSHARE_SIZE: '320x240', VAAHSHARE_FPS: '5', VAAHSHARE_USER_HOST: 'no-service@desktop-2' };
  const install = await runInstallLine(`${server.url}/agent/install.sh?token=${AGENT_TOKEN}`, ['--no-service'], env);
  assert.equal(install.code, 0, `install failed: ${install.stdout}${install.stderr}`);
  assert.doesNotMatch(install.stdout, /at login/);
  assert.match(install.stdout, /started \(pid \d+\); its log: /);
  assert.match(install.stdout, /^vaahshare-agent: Opened the agent's window in your browser\.$/m);
  const windowUrl = execFileSync(path.join(home, '.local/bin/vaahshare-agent'), ['open', '--print'], { env, encoding: 'utf8' }).trim();
  await waitUntil(() => fs.existsSync(opened) && fs.readFileSync(opened, 'utf8').trim() === windowUrl, 10_000, 'the opener got the window address');
  await waitUntil(async () => (await clientNamed('no-service@desktop-2'))?.is_connected === true, 60_000, 'the agent connected');
  const uninstall = await runInstallLine(`${server.url}/agent/install.sh`, ['--uninstall'], env);
  assert.equal(uninstall.code, 0, uninstall.stderr);
  assert.deepEqual(listTree(home), []);
  fs.rmSync(openerDir, { recursive: true, force: true });
});
