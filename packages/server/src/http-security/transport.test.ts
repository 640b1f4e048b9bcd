import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { io as ioClient } from 'socket.io-client';
import { ADMIN_EMAIL, ADMIN_PASSWORD, connected, login, startServer, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { startNginx, type Nginx } from '@vaahshare/testkit/nginx';
import { http } from '@vaahshare/testkit/probes';
import { ConfigError, loadConfig } from '../config.js';
import type { DomainEvents } from '../events/domain-events.js';
import { httpsOptions } from './transport.js';

/** A self-signed certificate for 127.0.0.1, made by openssl for this test. */
function selfSignedCertificate(dir: string) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

/** One request over HTTPS trusting only `ca`. */
function httpsRequest(url: string, ca: Buffer, init: { method?: string; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const request = https.request(url, { method: init.method ?? 'GET', ca, headers: init.body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    request.on('error', reject);
    request.end(init.body);
  });
}

const loginBody = JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
const json = { 'content-type': 'application/json' };

describe('HTTPS served by the server itself (TLS_CERT, TLS_KEY)', () => {
  let t: TestServer;
  let ca: Buffer;
  let url: string;
  const certDir = tempDir('vaahshare-tls-');

  before(async () => {
    const files = selfSignedCertificate(certDir);
    ca = fs.readFileSync(files.cert);
    t = await startServer({ TLS_CERT: files.cert, TLS_KEY: files.key });
    url = t.url.replace('http://', 'https://');
  });
  after(async () => {
    await t.dispose();
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  test('answers over HTTPS with HSTS, and its session cookie is Secure', async () => {
    const health = await httpsRequest(`${url}/healthz`, ca);
    assert.equal(health.status, 200);
    assert.equal(health.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    const loggedIn = await httpsRequest(`${url}/api/auth/login`, ca, { method: 'POST', body: loginBody });
    assert.equal(loggedIn.status, 200);
    const [cookie] = loggedIn.headers['set-cookie'] as string[];
    assert.ok(cookie.split('; ').includes('Secure'), cookie);
  });

  test('a dashboard socket connects over wss://', async () => {
    const { token } = JSON.parse((await httpsRequest(`${url}/api/auth/login`, ca, { method: 'POST', body: loginBody })).body);
    const socket = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { app: 'backend' }, auth: { token }, ca: ca.toString() });
    await connected(socket);
    socket.disconnect();
  });

  test('plain HTTP on that port gets no answer', async () => {
    await assert.rejects(fetch(`${t.url}/healthz`));
  });
});

describe('behind a proxy', () => {
  const claimsHttps = { ...json, 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' };

  test('an untrusted peer cannot claim HTTPS or another address', async () => {
    const t = await startServer();
    try {
      const failures: DomainEvents['login-failed'][] = [];
      t.server.ctx.events.on('login-failed', (f) => void failures.push(f));
      const res = await http(t.url, 'POST', '/api/auth/login', { headers: claimsHttps, body: loginBody });
      assert.equal(res.status, 200);
      assert.ok(!res.headers.getSetCookie()[0].includes('Secure'), res.headers.getSetCookie()[0]);
      assert.equal(res.headers.get('strict-transport-security'), null);
      await http(t.url, 'POST', '/api/auth/login', { headers: claimsHttps, body: JSON.stringify({ email: ADMIN_EMAIL, password: 'wrong' }) });
      assert.equal(failures[0].ip, '127.0.0.1');
    } finally {
      await t.dispose();
    }
  });

  test('a proxy listed in TRUST_PROXY tells the scheme and the client address: Secure cookie, HSTS', async () => {
    const t = await startServer({ TRUST_PROXY: '127.0.0.1' });
    try {
      const failures: DomainEvents['login-failed'][] = [];
      t.server.ctx.events.on('login-failed', (f) => void failures.push(f));
      const res = await http(t.url, 'POST', '/api/auth/login', { headers: claimsHttps, body: loginBody });
      assert.equal(res.status, 200);
      assert.ok(res.headers.getSetCookie()[0].split('; ').includes('Secure'), res.headers.getSetCookie()[0]);
      assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
      await http(t.url, 'POST', '/api/auth/login', { headers: claimsHttps, body: JSON.stringify({ email: ADMIN_EMAIL, password: 'wrong' }) });
      assert.equal(failures[0].ip, '203.0.113.9');
      assert.ok(await login(t.url), 'plain HTTP from the proxy still works');
    } finally {
      await t.dispose();
    }
  });
});

test('TLS settings: both or neither, and readable files', () => {
  assert.throws(() => loadConfig({ TLS_CERT: '/etc/hostname' }), new ConfigError('Invalid configuration: set TLS_CERT and TLS_KEY together'));
  assert.throws(
    () => httpsOptions({ TLS_CERT: '/nonexistent/cert.pem', TLS_KEY: '/nonexistent/key.pem' }),
    new ConfigError('Invalid configuration: TLS_CERT /nonexistent/cert.pem cannot be read (ENOENT)'),
  );
  assert.equal(httpsOptions({ TLS_CERT: undefined, TLS_KEY: undefined }), undefined);
});

describe('behind the nginx TLS template', () => {
  const certDir = tempDir('vaahshare-nginx-tls-');
  const files = selfSignedCertificate(certDir);
  const ca = fs.readFileSync(files.cert);
  let t: TestServer;
  let nginx: Nginx;

  before(async () => {
    t = await startServer({ TRUST_PROXY: '127.0.0.1' });
    nginx = await startNginx([t.port], { tls: files });
  });
  after(async () => {
    await nginx?.stop();
    await t?.dispose();
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  test('nginx terminates TLS with one HSTS header, and the node, trusting it, makes the session cookie Secure', async () => {
    const loggedIn = await httpsRequest(`${nginx.url}/api/auth/login`, ca, { method: 'POST', body: loginBody });
    assert.equal(loggedIn.status, 200, loggedIn.body);
    assert.equal(loggedIn.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    const [cookie] = loggedIn.headers['set-cookie'] as string[];
    assert.ok(cookie.split('; ').includes('Secure'), cookie);
    const { token } = JSON.parse(loggedIn.body);
    const socket = ioClient(nginx.url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { app: 'backend' }, auth: { token }, ca: ca.toString() });
    await connected(socket);
    socket.disconnect();
  });

  test("nginx's access log keeps the path but not the query (a share link's token)", async () => {
    const marker = `log-check-${process.pid}-${Date.now()}`;
    await httpsRequest(`${nginx.url}/share/${marker}?token=secret-${marker}`, ca);
    const log = '/var/log/nginx/vaahshare.access.log';
    await waitUntil(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes(`GET /share/${marker} `), 5000, 'the request logged');
    assert.equal(fs.readFileSync(log, 'utf8').includes(`secret-${marker}`), false);
  });
});
