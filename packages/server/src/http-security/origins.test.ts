import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOriginPolicy } from './origins.js';

const none = { ALLOWED_ORIGINS: [], CORS_ORIGINS: [], PUBLIC_URL: undefined };

test('no Origin (no browser page) passes; the page of the host the request reached passes; others do not', () => {
  const allowed = createOriginPolicy(none);
  assert.equal(allowed(undefined, 'vaahshare.example:3000'), true);
  assert.equal(allowed('http://vaahshare.example:3000', 'vaahshare.example:3000'), true);
  assert.equal(allowed('https://VaahShare.example', 'vaahshare.example'), true);
  assert.equal(allowed('http://vaahshare.example:3000', 'VAAHSHARE.example:3000'), true);
  assert.equal(allowed('http://vaahshare.example:8080', 'vaahshare.example:3000'), false, 'another port of the same site');
  assert.equal(allowed('http://evil.example', 'vaahshare.example'), false);
  assert.equal(allowed('null', 'vaahshare.example'), false, 'a sandboxed or file page');
  assert.equal(allowed('http://evil.example', undefined), false);
});

test('PUBLIC_URL, ALLOWED_ORIGINS and CORS_ORIGINS are allowed wherever the request arrived', () => {
  const allowed = createOriginPolicy({
    ALLOWED_ORIGINS: ['https://ops.example'],
    CORS_ORIGINS: ['http://localhost:5173'],
    PUBLIC_URL: 'https://vaahshare.example/base',
  });
  for (const origin of ['https://ops.example', 'http://localhost:5173', 'https://vaahshare.example']) {
    assert.equal(allowed(origin, '10.0.0.5:3000'), true, origin);
  }
  assert.equal(allowed('http://vaahshare.example', '10.0.0.5:3000'), false, 'not the scheme PUBLIC_URL names');
});
