import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('defaults give silent-drop detection within 10 s', () => {
  const config = loadConfig({});
  assert.ok(config.HEARTBEAT_INTERVAL_MS + config.HEARTBEAT_TIMEOUT_MS < 10_000);
  assert.equal(config.RECONNECT_GRACE_MS, 60_000);
});

test('a heartbeat timeout not below the interval is refused with the reason', () => {
  assert.throws(
    () => loadConfig({ HEARTBEAT_INTERVAL_MS: '2000', HEARTBEAT_TIMEOUT_MS: '2000' }),
    (err: Error) => err instanceof ConfigError && /HEARTBEAT_TIMEOUT_MS must be less than HEARTBEAT_INTERVAL_MS/.test(err.message),
  );
});

test('malformed values name the variable', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), (err: Error) => err instanceof ConfigError && /PORT/.test(err.message));
  assert.throws(
    () => loadConfig({ ADMIN_EMAIL: 'admin@example.com' }),
    (err: Error) => err instanceof ConfigError && /ADMIN_EMAIL and ADMIN_PASSWORD together/.test(err.message),
  );
  // An enrollment token is all an agent needs to join the company: a short one could be guessed.
  assert.throws(() => loadConfig({ AGENT_TOKEN: 'only-23-characters-long' }), (err: Error) => err instanceof ConfigError && /AGENT_TOKEN must have at least 24 characters/.test(err.message));
  assert.equal(loadConfig({ AGENT_TOKEN: 'exactly-24-characters-ok' }).AGENT_TOKEN, 'exactly-24-characters-ok');
});

test('PUBLIC_URL: an http(s) address kept without its trailing slash; anything else refused by name', () => {
  assert.equal(loadConfig({}).PUBLIC_URL, undefined);
  assert.equal(loadConfig({ PUBLIC_URL: 'https://share.example.com/' }).PUBLIC_URL, 'https://share.example.com');
  assert.equal(loadConfig({ PUBLIC_URL: 'http://10.0.0.5:3000/vaahshare' }).PUBLIC_URL, 'http://10.0.0.5:3000/vaahshare');
  for (const bad of ['share.example.com', 'ftp://example.com', 'https://example.com/?a=1']) {
    assert.throws(() => loadConfig({ PUBLIC_URL: bad }), (err: Error) => err instanceof ConfigError && /PUBLIC_URL must/.test(err.message), bad);
  }
});

test('the password hash cost: argon2id above OWASP by default; lowered no further than OWASP’s floor, with what to do', () => {
  const config = loadConfig({});
  assert.deepEqual([config.PASSWORD_HASH_MEMORY_KIB, config.PASSWORD_HASH_ITERATIONS], [65536, 3]);
  assert.equal(loadConfig({ PASSWORD_HASH_MEMORY_KIB: '7168', PASSWORD_HASH_ITERATIONS: '5' }).PASSWORD_HASH_ITERATIONS, 5);
  assert.throws(
    () => loadConfig({ PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_ITERATIONS: '1' }),
    (err: Error) => err instanceof ConfigError && /PASSWORD_HASH_MEMORY_KIB × PASSWORD_HASH_ITERATIONS must be at least 35840 .*raise one of them/.test(err.message),
  );
  assert.throws(() => loadConfig({ PASSWORD_HASH_MEMORY_KIB: '4096', PASSWORD_HASH_ITERATIONS: '10' }), (err: Error) => err instanceof ConfigError && /PASSWORD_HASH_MEMORY_KIB/.test(err.message));
});
