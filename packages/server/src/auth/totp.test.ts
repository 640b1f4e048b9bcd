import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newRecoveryCodes, newTotpSecret, normalRecoveryCode, totpCode, totpStep } from './totp.js';

// RFC 6238's test secret ("12345678901234567890" in base32) and its SHA-1 vectors, cut to 6 digits.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP codes (fake time)', () => {
  test('match RFC 6238 at its test times', () => {
    assert.equal(totpCode(RFC_SECRET, 59_000), '287082');
    assert.equal(totpCode(RFC_SECRET, 1_111_111_109_000), '081804');
    assert.equal(totpCode(RFC_SECRET, 2_000_000_000_000), '279037');
  });

  test('a code is valid in its step and one step either side, and names its step', () => {
    const secret = newTotpSecret();
    const now = 1_700_000_000_000;
    const step = Math.floor(now / 30_000);
    assert.equal(totpStep(secret, totpCode(secret, now), now), step);
    assert.equal(totpStep(secret, totpCode(secret, now - 30_000), now), step - 1);
    assert.equal(totpStep(secret, totpCode(secret, now + 30_000), now), step + 1);
    assert.equal(totpStep(secret, totpCode(secret, now - 60_000), now), null);
    assert.equal(totpStep(secret, totpCode(secret, now + 60_000), now), null);
  });

  test('anything but six digits is no code', () => {
    const secret = newTotpSecret();
    const now = 1_700_000_000_000;
    const code = totpCode(secret, now);
    for (const typed of [` ${code}`, `${code}0`, code.slice(1), 'abcdef', '']) assert.equal(totpStep(secret, typed, now), null, typed);
  });

  test('secrets are 160 random bits; recovery codes are ten distinct xxxxx-xxxxx, read however they are typed', () => {
    assert.match(newTotpSecret(), /^[A-Z2-7]{32}$/);
    assert.notEqual(newTotpSecret(), newTotpSecret());
    const codes = newRecoveryCodes();
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
    assert.equal(normalRecoveryCode(' ABCDE - fghij '), 'abcdefghij');
  });
});
