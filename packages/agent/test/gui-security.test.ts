import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { agentArgs, runAgent, type AgentProcess } from './agent-process.js';
import { buildGui } from '../scripts/build.mjs';
import { serverWithAdmin } from './helpers.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/vaahshare-agent.js');

/** A raw request, so the test chooses the Host and Origin headers a browser (or an attacker's page) would send. */
function request(port: number, pathname: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The addresses (hex, as /proc/net/tcp writes them) something listens on at this port. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      // State 0A is LISTEN.
      .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
      .map((cols) => cols[1].split(':')[0]),
  );
}

describe("the agent's window: only this desktop's browser, with the secret, may reach it", () => {
  let t: TestServer;
  let agent: AgentProcess;
  let dataDir: string;
  let url: URL;
  let secret: string;
  let port: number;
  before(async () => {
    // Built first, so the agent's start does not wait for it.
    await buildGui();
    ({ t } = await serverWithAdmin());
    dataDir = tempDir('vaahshare-agent-');
    agent = runAgent(agentArgs(t.url, 'gui@desk', dataDir));
    await agent.waitFor(/the agent's window is at/);
    await agent.waitFor(/connected to/);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'open', '--print', '--data-dir', dataDir], {
      env: { ...process.env, VAAHSHARE_CONFIG: '/nonexistent/vaahshare-agent-test/config.json' },
    });
    url = new URL(stdout.trim());
    port = Number(url.port);
    secret = url.pathname.split('/')[1];
  });
  after(async () => {
    await agent.stop('SIGTERM');
    await t.dispose();
  });

  test('`open --print` prints the address with the per-install secret (a 0600 file); with it the page and the API answer', async () => {
    assert.equal(url.hostname, '127.0.0.1');
    assert.match(secret, /^[A-Za-z0-9_-]{32}$/);
    const secretFile = path.join(dataDir, 'gui-secret');
    assert.equal(fs.readFileSync(secretFile, 'utf8'), secret);
    assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
    const view = await request(port, `/${secret}/api/view`);
    assert.equal(view.status, 200);
    assert.equal(JSON.parse(view.body).user_host, 'gui@desk');
    assert.equal((await request(port, `/${secret}/api/view`, { host: `localhost:${port}`, origin: `http://localhost:${port}` })).status, 200);
    assert.equal(view.headers['access-control-allow-origin'], undefined, 'no CORS');
    assert.equal((await request(port, `/${secret}`)).headers.location, `/${secret}/`);
  });

  test('no secret, a wrong one, a foreign Origin or a foreign Host: 403, on pages and API alike', async () => {
    const wrong = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const refused = [
      ['no secret, page', '/', {}],
      ['no secret, API', '/api/view', {}],
      ['no secret, events', '/api/events', {}],
      ['wrong secret', `/${wrong}/api/view`, {}],
      ['wrong secret, page', `/${wrong}/`, {}],
      ['a shorter secret', `/${secret.slice(0, 8)}/api/view`, {}],
      ['foreign Origin', `/${secret}/api/view`, { origin: 'http://evil.example' }],
      ['foreign Origin on the same host, other port', `/${secret}/api/view`, { origin: `http://127.0.0.1:${port + 1}` }],
      ['null Origin', `/${secret}/api/view`, { origin: 'null' }],
      ['foreign Host (DNS rebinding)', `/${secret}/api/view`, { host: `evil.example:${port}` }],
      ['foreign Host, page', `/${secret}/`, { host: `rebind.example:${port}` }],
      ['Host without the port', `/${secret}/api/view`, { host: '127.0.0.1' }],
    ] as const;
    for (const [what, pathname, headers] of refused) {
      const res = await request(port, pathname, headers);
      assert.equal(res.status, 403, `${what}: ${res.status} ${res.body}`);
      assert.equal(res.headers['access-control-allow-origin'], undefined, what);
      assert.doesNotMatch(res.body, /gui@desk/, `${what} leaks nothing`);
    }
    const post = await request(port, `/${secret}/api/save-settings`, { origin: 'http://evil.example', 'content-type': 'application/json' }, 'POST', '{}');
    assert.equal(post.status, 403, 'a foreign page cannot change settings');
  });

  test('it listens on 127.0.0.1 only', async () => {
    assert.deepEqual(listeningAddresses(port), ['0100007F']);
    const external = Object.values(os.networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4');
    if (external) {
      const reached = await new Promise<boolean>((resolve) => {
        const req = http.get({ host: external.address, port, path: `/${secret}/api/view`, timeout: 2000 }, () => resolve(true));
        req.on('error', () => resolve(false));
      });
      assert.equal(reached, false, `${external.address}:${port} must not answer`);
    }
  });

  test('`open --wait` gives an agent that is starting time to serve its window; a bad value or none there says so', async () => {
    const open = (args: string[]) =>
      promisify(execFile)(process.execPath, [BIN, 'open', '--print', ...args], { env: { ...process.env, VAAHSHARE_CONFIG: '/nonexistent/vaahshare-agent-test/config.json' } }).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
        (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
      );
    assert.deepEqual(await open(['--wait', 'soon', '--data-dir', dataDir]), { code: 1, stdout: '', stderr: 'vaahshare-agent: --wait must be a number of seconds, not "soon"\n' });
    const none = await open(['--wait', '0.5', '--data-dir', tempDir('vaahshare-agent-')]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No running agent has a window: start one with `.*start`/);
    assert.deepEqual(await open(['--wait', '5', '--data-dir', dataDir]), { code: 0, stdout: `${url.href}\n`, stderr: '' });
  });

  test('`open` hands the address to the desktop\'s opener (xdg-open, which calls $BROWSER when no desktop environment runs)', async () => {
    const dir = tempDir('vaahshare-open-');
    const opened = path.join(dir, 'opened-url');
    const browser = path.join(dir, 'browser.sh');
    fs.writeFileSync(browser, `#!/bin/sh\necho "$1" > ${opened}\n`, { mode: 0o755 });
    const env: NodeJS.ProcessEnv = { ...process.env, VAAHSHARE_CONFIG: '/nonexistent/vaahshare-agent-test/config.json', BROWSER: browser };
    delete env.DISPLAY;
    delete env.XDG_CURRENT_DESKTOP;
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'open', '--data-dir', dataDir], { env });
    assert.match(stdout, /Opened the agent's window in your browser/);
    await waitUntil(() => fs.existsSync(opened) && fs.readFileSync(opened, 'utf8').length > 0, 5000, 'the browser was started');
    assert.equal(fs.readFileSync(opened, 'utf8').trim(), url.href);
  });
});

