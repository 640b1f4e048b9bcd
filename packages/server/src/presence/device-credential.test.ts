import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideDevice, hashDeviceSecret, proveDevice, secretMatches } from './device-credential.js';

describe('device credential decisions', () => {
  const secret = 'a'.repeat(43);
  const storedHash = hashDeviceSecret(secret);

  test('an identity nobody enrolled is enrolled by the connection, with a fresh secret whatever it presented', () => {
    const first = decideDevice({ userHost: 'u@h', legacy: false, storedHash: null });
    const second = decideDevice({ userHost: 'u@h', legacy: false, storedHash: null, presented: secret });
    assert.equal(first.kind, 'enroll');
    assert.equal(second.kind, 'enroll');
    if (first.kind !== 'enroll' || second.kind !== 'enroll') return;
    assert.notEqual(first.secret, second.secret);
    assert.notEqual(second.secret, secret, 'a secret the server did not issue is never adopted');
    assert.equal(first.hash, hashDeviceSecret(first.secret));
  });

  test('an enrolled identity takes only its secret', () => {
    assert.deepEqual(decideDevice({ userHost: 'u@h', legacy: false, storedHash, presented: secret }), { kind: 'verified', hash: storedHash });
    const missing = decideDevice({ userHost: 'u@h', legacy: false, storedHash });
    const wrong = decideDevice({ userHost: 'u@h', legacy: false, storedHash, presented: 'b'.repeat(43) });
    assert.equal(missing.kind === 'refused' && missing.error.code, 'device_secret_required');
    assert.equal(wrong.kind === 'refused' && wrong.error.code, 'device_secret_invalid');
  });

  test('original clients are exempt on identities no agent enrolled, refused on enrolled ones', () => {
    assert.deepEqual(decideDevice({ userHost: 'u@h', legacy: true, storedHash: null }), { kind: 'exempt', hash: null });
    const refused = decideDevice({ userHost: 'u@h', legacy: true, storedHash, presented: secret });
    assert.equal(refused.kind === 'refused' && refused.error.code, 'device_secret_required');
  });

  test('REST proofs: unenrolled or unknown identities need none, enrolled ones their secret', () => {
    assert.doesNotThrow(() => proveDevice('u@h', null, undefined));
    assert.doesNotThrow(() => proveDevice('u@h', undefined, undefined));
    assert.doesNotThrow(() => proveDevice('u@h', storedHash, secret));
    assert.throws(() => proveDevice('u@h', storedHash, undefined), { code: 'device_secret_required', statusCode: 401 });
    assert.throws(() => proveDevice('u@h', storedHash, 'c'.repeat(43)), { code: 'device_secret_invalid', statusCode: 401 });
    assert.equal(secretMatches(storedHash, ''), false);
  });
});
