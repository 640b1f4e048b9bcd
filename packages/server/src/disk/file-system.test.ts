import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { networkFileSystemOf } from './file-system.js';

test('a local directory is on no network file system; a missing one is an error, not a guess', async () => {
  assert.equal(await networkFileSystemOf(os.tmpdir()), null);
  await assert.rejects(networkFileSystemOf('/no/such/dir'), { code: 'ENOENT' });
});
