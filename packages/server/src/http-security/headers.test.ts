import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '@vaahshare/testkit';
import { http } from '@vaahshare/testkit/probes';

describe('security headers', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(() => t.dispose());

  test('pages and API answers forbid framing and sniffing, send no Referer, and carry the CSP; no HSTS over HTTP', async () => {
    for (const pathname of ['/', '/clients', '/share/', '/api/auth/me', '/healthz']) {
      const res = await http(t.url, 'GET', pathname);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, pathname);
      assert.match(csp, /script-src 'self'(;|$)/, `${pathname}: no inline script, no eval`);
      assert.match(csp, /object-src 'none'/, pathname);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', pathname);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', pathname);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', pathname);
      assert.equal(res.headers.get('strict-transport-security'), null, pathname);
    }
  });
});
