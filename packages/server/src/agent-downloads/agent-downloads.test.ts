import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeBootstrap } from '../auth/index.js';
import { AGENT_TOKEN, api, login, startServer, tempDir, type TestServer } from '@vaahshare/testkit';
import { guessServerUrl } from './public-url.js';
import { listTree, runInstallLine, writeBuild } from './test-helpers.js';

/** A stand-in executable for the script's "does it run" check: these tests are about the server and the script. */
const runnable = Buffer.from('#!/bin/sh\nexit 0\n');

describe('agent downloads and install scripts', () => {
  let server: TestServer;
  let builds: string;
  let admin: string;

  before(async () => {
    builds = tempDir('vaahshare-builds-');
    server = await startServer({ AGENT_BUILDS_DIR: builds });
    admin = await login(server.url);
  });
  after(async () => {
    await server.dispose();
    fs.rmSync(builds, { recursive: true, force: true });
  });

  test('a platform not built yet is a 404 naming the command that builds it; an unknown platform a 400', async () => {
    const missing = await api(server.url, '/agent/download/win-x64');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'agent_not_built');
    assert.match(missing.body.message, /run `npm run build:agents` \(or `npm run build:agents -- win-x64`\)/);
    const ffmpeg = await api(server.url, '/agent/download/win-x64/ffmpeg');
    assert.equal(ffmpeg.status, 404);
    const unknown = await api(server.url, '/agent/download/amiga-m68k');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message, /platform must be one of linux-x64, win-x64, darwin-x64, darwin-arm64/);
  });

  test('a build is served byte for byte with the sha256 the server states', async () => {
    const agent = Buffer.from('MZ pretend windows agent');
    const manifest = writeBuild(builds, 'win-x64', { agent, ffmpeg: Buffer.from('ffmpeg.exe bytes') });
    const res = await fetch(`${server.url}/agent/download/win-x64`);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), agent);
    assert.equal(res.headers.get('x-sha256'), manifest.agent.sha256);
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="vaahshare-agent.exe"');
    const ffmpeg = await fetch(`${server.url}/agent/download/win-x64/ffmpeg`);
    assert.equal(await ffmpeg.text(), 'ffmpeg.exe bytes');
  });

  test('GET /api/agent-downloads needs a login and lists the builds and the public address', async () => {
    assert.equal((await api(server.url, '/api/agent-downloads')).status, 401);
    writeBuild(builds, 'win-x64', { agent: Buffer.from('MZ'), ffmpeg: Buffer.from('ff') });
    const { status, body } = await api(server.url, '/api/agent-downloads', { token: admin });
    assert.equal(status, 200);
    assert.equal(body.data.public_url, null);
    assert.deepEqual(
      body.data.builds.map((b: { platform: string; size: number | null }) => [b.platform, b.size]),
      [['linux-x64', null], ['win-x64', 2], ['darwin-x64', null], ['darwin-arm64', null]],
    );
  });

  test('the install scripts carry the server it was fetched from, the token and the stated sha256', async () => {
    const manifest = writeBuild(builds, 'linux-x64', { agent: runnable, ffmpeg: Buffer.from('ff') });
    const sh = await (await fetch(`${server.url}/agent/install.sh?token=${AGENT_TOKEN}`)).text();
    assert.match(sh, new RegExp(`^SERVER='${server.url}'$`, 'm'));
    assert.match(sh, new RegExp(`^TOKEN='${AGENT_TOKEN}'$`, 'm'));
    assert.match(sh, new RegExp(`linux-x64\\) agent_sha=${manifest.agent.sha256}; ffmpeg_sha=${manifest.ffmpeg.sha256};`));
    const ps1 = await (await fetch(`${server.url}/agent/install.ps1?token=${AGENT_TOKEN}`)).text();
    assert.match(ps1, new RegExp(`^\\$Server = '${server.url}'$`, 'm'));
    assert.match(ps1, new RegExp(`^\\$Token = '${AGENT_TOKEN}'$`, 'm'));
  });

  test('install.ps1 adds a Start-menu shortcut that opens the window, opens it after starting the agent, and uninstalling removes the shortcut', async () => {
    // No PowerShell here: the script's text is what is checked.
    const ps1 = await (await fetch(`${server.url}/agent/install.ps1?token=${AGENT_TOKEN}`)).text();
    assert.match(ps1, /^\$Shortcut = Join-Path \$env:APPDATA 'Microsoft\\Windows\\Start Menu\\Programs\\VaahShare\.lnk'$/m);
    assert.match(ps1, /^\$Link = \(New-Object -ComObject WScript\.Shell\)\.CreateShortcut\(\$Shortcut\)\n\$Link\.TargetPath = \$Agent\n\$Link\.Arguments = 'open'\n/m);
    assert.match(ps1, /^\$Link\.Save\(\)$/m);
    assert.match(ps1, /^ {2}Remove-Item -Recurse -Force -ErrorAction SilentlyContinue \$Dir, \(Split-Path \$ConfigDir\), \$Shortcut$/m);
    // The window opens once the agent is started (at login, or in the background), before the last line.
    const started = Math.max(ps1.indexOf('& $Agent autostart enable'), ps1.indexOf("Start-Process -WindowStyle Hidden -FilePath $Agent -ArgumentList 'start'"));
    const opens = ps1.indexOf('& $Agent open --wait 30');
    assert.ok(started > 0 && opens > started && opens < ps1.indexOf('Say "check it with:'), 'opens the window after starting the agent');
  });

  test('a wrong, revoked or missing token: the line says why, exits 1 and installs nothing', async () => {
    writeBuild(builds, 'linux-x64', { agent: runnable, ffmpeg: Buffer.from('ff') });
    const created = await api(server.url, '/api/companies/1/tokens', { token: admin, body: { label: 'soon revoked' } });
    const revoked = created.body.data as { id: number; token: string };
    await api(server.url, `/api/companies/1/tokens/${revoked.id}`, { token: admin, method: 'DELETE' });
    const cases = [
      ['?token=not-a-token', /the server does not know this enrollment token/],
      [`?token=${revoked.token}`, /this enrollment token was revoked/],
      ['', /no enrollment token in the command/],
      ['?token=%00abc', /the server does not know this enrollment token/],
    ] as const;
    for (const [query, why] of cases) {
      const home = tempDir('vaahshare-home-');
      const run = await runInstallLine(`${server.url}/agent/install.sh${query}`, [], { PATH: process.env.PATH!, HOME: home });
      assert.equal(run.code, 1, query);
      assert.match(run.stderr, why);
      assert.deepEqual(listTree(home), [], `${query} installed nothing`);
      fs.rmSync(home, { recursive: true });
    }
  });

  test('a tampered download (sha256 not the one the server states) is refused and nothing is installed', async () => {
    writeBuild(builds, 'linux-x64', { agent: runnable, ffmpeg: Buffer.from('ff'), statedSha256: 'a'.repeat(64) });
    const home = tempDir('vaahshare-home-');
    const run = await runInstallLine(`${server.url}/agent/install.sh?token=${AGENT_TOKEN}`, [], { PATH: process.env.PATH!, HOME: home });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`the downloaded vaahshare-agent is damaged or was tampered with \\(sha256 [0-9a-f]{64}, the server states ${'a'.repeat(64)}\\); nothing was installed`));
    assert.deepEqual(listTree(home), []);
    fs.rmSync(home, { recursive: true });
  });

  test('a platform the server has no build for: the line names the command that builds it', async () => {
    fs.rmSync(path.join(builds, 'linux-x64'), { recursive: true, force: true });
    const home = tempDir('vaahshare-home-');
    const run = await runInstallLine(`${server.url}/agent/install.sh?token=${AGENT_TOKEN}`, [], { PATH: process.env.PATH!, HOME: home });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /this server has no agent for linux-x64 \(it has: none\); an admin builds them with: npm run build:agents/);
    assert.deepEqual(listTree(home), []);
    fs.rmSync(home, { recursive: true });
  });
});

test('a token with quotes and spaces reaches the script as itself', async () => {
  const token = `it's a "token" $(id) of 24+ chars`;
  const server = await startServer({ AGENT_TOKEN: token });
  try {
    const script = await (await fetch(`${server.url}/agent/install.sh?token=${encodeURIComponent(token)}`)).text();
    const assignment = script.split('\n').find((line) => line.startsWith('TOKEN='))!;
    assert.equal(execFileSync('sh', ['-c', `${assignment}; printf %s "$TOKEN"`], { encoding: 'utf8' }), token);
  } finally {
    await server.dispose();
  }
});

describe('PUBLIC_URL', () => {
  test('install scripts and /api/agent-downloads use it instead of the address asked', async () => {
    const builds = tempDir('vaahshare-builds-');
    const server = await startServer({ AGENT_BUILDS_DIR: builds, PUBLIC_URL: 'https://share.example.com/' });
    try {
      const sh = await (await fetch(`${server.url}/agent/install.sh?token=${AGENT_TOKEN}`)).text();
      assert.match(sh, /^SERVER='https:\/\/share\.example\.com'$/m);
      const { body } = await api(server.url, '/api/agent-downloads', { token: await login(server.url) });
      assert.equal(body.data.public_url, 'https://share.example.com');
    } finally {
      await server.dispose();
      fs.rmSync(builds, { recursive: true, force: true });
    }
  });

  test('the first-start banner prints the install lines with it; unset, it says to set it', () => {
    const first = { admin: { email: 'admin@vaahshare.local', password: 'pw' }, enrollmentToken: 'tok en' };
    const set = describeBootstrap(first, { url: 'https://share.example.com', configured: true })!;
    assert.match(set, /Dashboard: https:\/\/share\.example\.com — log in as admin@vaahshare\.local/);
    assert.match(set, /Linux, macOS: {8}curl -fsSL "https:\/\/share\.example\.com\/agent\/install\.sh\?token=tok%20en" \| sh/);
    assert.match(set, /Windows PowerShell: {2}irm "https:\/\/share\.example\.com\/agent\/install\.ps1\?token=tok%20en" \| iex/);
    assert.doesNotMatch(set, /PUBLIC_URL/);
    const unset = describeBootstrap(first, { url: 'http://10.1.2.3:3000', configured: false })!;
    assert.match(unset, /PUBLIC_URL is not set: links above use http:\/\/10\.1\.2\.3:3000\. Set PUBLIC_URL/);
    assert.equal(describeBootstrap({}, { url: 'http://10.1.2.3:3000', configured: false }), 'PUBLIC_URL is not set: links above use http://10.1.2.3:3000. Set PUBLIC_URL to the address desktops reach this server at.');
    assert.equal(describeBootstrap({}, { url: 'https://share.example.com', configured: true }), undefined);
  });

  test('unset, the printed address is the bound one, or an external IPv4 address when bound to all', () => {
    const lo = [{ family: 'IPv4', internal: true, address: '127.0.0.1' }];
    const interfaces = { lo, eth0: [{ family: 'IPv4', internal: false, address: '192.168.1.20' }] } as unknown as Parameters<typeof guessServerUrl>[2];
    assert.equal(guessServerUrl('0.0.0.0', 3000, interfaces), 'http://192.168.1.20:3000');
    assert.equal(guessServerUrl('127.0.0.1', 3000, interfaces), 'http://127.0.0.1:3000');
    assert.equal(guessServerUrl('::', 3000, { lo } as unknown as Parameters<typeof guessServerUrl>[2]), 'http://localhost:3000');
  });
});
