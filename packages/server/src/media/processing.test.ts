import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { tempDir } from '@vaahshare/testkit';
import { webmFile } from '@vaahshare/testkit/webm';
import { finalizeRecording } from './processing.js';
import { ensureMediaDir } from './storage.js';

test('a recording finalized again after a crash that came after its remux (raw file gone, row not told) ends ready, not lost', async () => {
  const dataDir = tempDir();
  const row = { id: 1, company_id: 1, client_id: 1 };
  try {
    const paths = await ensureMediaDir(dataDir, row);
    fs.copyFileSync(await webmFile({ seconds: 2, live: true }), paths.raw);
    const first = await finalizeRecording(dataDir, row);
    assert.equal(first.status, 'ready');
    assert.equal(fs.existsSync(paths.raw), false);

    const again = await finalizeRecording(dataDir, row);
    assert.deepEqual(again, first);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
