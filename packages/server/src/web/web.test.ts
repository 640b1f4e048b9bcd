import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { readMetrics, startServer, tempDir, type TestServer } from '@vaahshare/testkit';
import { assertError, http } from '@vaahshare/testkit/probes';

const INDEX = '<!doctype html><title>VaahShare</title><div id="app"></div>';
const SCRIPT = 'console.log("the dashboard");'.repeat(20);

/** A dashboard build as Vite and our precompress step leave it. */
function fakeBuild(): string {
  const dir = tempDir('vaahshare-web-');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), SCRIPT);
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js.gz'), zlib.gzipSync(SCRIPT));
  return dir;
}

describe('the server serves the built dashboard at /', () => {
  let t: TestServer;
  let dist: string;

  before(async () => {
    dist = fakeBuild();
    t = await startServer({ DASHBOARD_DIR: dist });
  });
  after(async () => {
    await t.dispose();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  test('/ and every page path answer index.html, never cached, so reloading /clients/12 works', async () => {
    for (const pathname of ['/', '/clients', '/clients/12', '/live/3?x=1', '/settings/']) {
      const res = await http(t.url, 'GET', pathname);
      assert.equal(res.status, 200, pathname);
      assert.equal(res.body, INDEX, pathname);
      assert.match(res.headers.get('content-type')!, /^text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
    }
  });

  test('hashed assets are cached for good and sent precompressed to browsers that accept it', async () => {
    const gz = await fetch(`${t.url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal(gz.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await gz.text(), SCRIPT);
    const plain = await fetch(`${t.url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(await plain.text(), SCRIPT);
    assert.equal((await http(t.url, 'GET', '/favicon.svg')).status, 200);
  });

  test('a missing file is a 404, not the page; paths outside the build are never served', async () => {
    assertError(await http(t.url, 'GET', '/assets/gone-123.js'), 404, 'not_found', 'No route GET /assets/gone-123.js');
    assertError(await http(t.url, 'GET', '/missing.png'), 404, 'not_found', 'No route GET /missing.png');
    for (const sneaky of ['/assets/..%2f..%2f..%2fetc%2fpasswd', '/..%2fpackage.json', '/assets/%2e%2e/%2e%2e/index.html.js']) {
      const res = await http(t.url, 'GET', sneaky);
      assert.ok([400, 403, 404].includes(res.status), `${sneaky} → ${res.status}`);
      assert.doesNotMatch(String(JSON.stringify(res.body)), /root:|"name"/);
    }
  });

  test('the API, sockets, metrics, health and /share keep their own answers', async () => {
    assertError(await http(t.url, 'GET', '/api/nope'), 404, 'not_found', 'No route GET /api/nope');
    assertError(await http(t.url, 'GET', '/api'), 404, 'not_found', 'No route GET /api');
    assertError(await http(t.url, 'GET', `/api/clients/${'9'.repeat(500)}`), 414, 'uri_too_long', 'A part of the URL path is too long');
    // /share belongs to the agent's share page (built or not), never to the dashboard's index.html.
    const share = await http(t.url, 'GET', '/share');
    if (share.status === 200) assert.match(share.body, /<title>VaahShare · share your screen<\/title>/);
    else assertError(share, 503, 'share_page_missing', /npm run build:agent/);
    const missing = await http(t.url, 'GET', '/share/abc');
    if (missing.status !== 503) assertError(missing, 404, 'not_found', 'No route GET /share/abc');
    assertError(await http(t.url, 'GET', '/metrics/x'), 404, 'not_found', 'No route GET /metrics/x');
    assert.equal((await http(t.url, 'GET', '/api/clients')).status, 401);
    assert.equal((await http(t.url, 'GET', '/healthz')).status, 200);
    assert.match(await readMetrics(t.url), /vaahshare_|process_cpu/);
    const polling = await http(t.url, 'GET', '/socket.io/?EIO=4&transport=polling');
    assert.notEqual(polling.body, INDEX);
    assert.match(String(polling.body), /"sid"/);
  });

  test('without a build the server still runs and / says what to run', async () => {
    const bare = await startServer({ DASHBOARD_DIR: path.join(dist, 'not-built') });
    try {
      for (const pathname of ['/', '/clients/3']) {
        const res = await http(bare.url, 'GET', pathname);
        assert.equal(res.status, 503);
        assert.match(res.body, /The dashboard is not built/);
        assert.match(res.body, /npm run build:dashboard/);
      }
      assert.equal((await http(bare.url, 'GET', '/healthz')).status, 200);
      assertError(await http(bare.url, 'GET', '/api/nope'), 404, 'not_found', 'No route GET /api/nope');
    } finally {
      await bare.dispose();
    }
  });
});
