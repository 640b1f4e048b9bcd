import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { stampVersion } from '../scripts/version-slot.mjs';

const source = fs.readFileSync(new URL('../src/version.ts', import.meta.url));

test('the version slot of src/version.ts takes a version in place: same length, read back as the version', () => {
  const stamped = stampVersion(source, '1.2.3+abcdef0123');
  assert.equal(stamped.length, source.length);
  const slot = /'(<<vaahshare-agent-version:[^']*>>)'/.exec(stamped.toString())![1]!;
  // As src/version.ts reads it.
  assert.equal(slot.slice(slot.indexOf(':') + 1, -2).trim(), '1.2.3+abcdef0123');
  assert.equal(stampVersion(stamped, '1.2.4+re-stamped').toString().includes('1.2.4+re-stamped     '), true, 'a stamped build can be stamped again');
});

test('no slot, two slots, or a version that does not fit are refused', () => {
  assert.throws(() => stampVersion(Buffer.from('no slot here'), '1.0.0'), /exactly one version slot/);
  assert.throws(() => stampVersion(Buffer.concat([source, source]), '1.0.0'), /exactly one version slot/);
  assert.throws(() => stampVersion(source, 'x'.repeat(65)), /1-64 printable characters/);
  assert.throws(() => stampVersion(source, 'has space'), /1-64 printable characters/);
});
