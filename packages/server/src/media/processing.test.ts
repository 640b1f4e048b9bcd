import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { tempDir } from '@vaahshare/testkit';
import { makeWebm, webmFile } from '@vaahshare/testkit/webm';
import { finalizeRecording, NO_BYTES, NO_FRAME } from './processing.js';
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

/** Finalizes `bytes` as recording 1 of a fresh data directory; answers the outcome and the recording's paths. */
async function finalizeBytes(bytes: Buffer) {
  const dataDir = tempDir();
  const row = { id: 1, company_id: 1, client_id: 1 };
  try {
    const paths = await ensureMediaDir(dataDir, row);
    fs.writeFileSync(paths.raw, bytes);
    return await finalizeRecording(dataDir, row);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The bytes a live recorder wrote before its first frame: its WebM header, up to the first Cluster. */
async function headerOnly() {
  const webm = await makeWebm({ seconds: 2, live: true });
  const firstCluster = webm.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75]));
  assert.ok(firstCluster > 0, 'the test WebM has a Cluster');
  return { webm, header: webm.subarray(0, firstCluster), firstCluster };
}

test('a WebM header with no frame after it (a recorder stopped before its first frame) is empty, not an error', async () => {
  const { header } = await headerOnly();
  assert.deepEqual(await finalizeBytes(header), { status: 'empty', size: header.length, duration_ms: null, has_thumbnail: 0, error: NO_FRAME });
});

test('a recording file with no byte is empty', async () => {
  assert.deepEqual(await finalizeBytes(Buffer.alloc(0)), { status: 'empty', size: 0, duration_ms: null, has_thumbnail: 0, error: NO_BYTES });
});

test('bytes that are not decodable video stay an error with the reason, whether or not a WebM header comes first', async () => {
  const { webm, header, firstCluster } = await headerOnly();
  const junk = Buffer.alloc(4096, 0x5a);
  // Not WebM at all; a header followed by what is not WebM; a Cluster whose frames are cut off and overwritten.
  const brokenCluster = Buffer.concat([webm.subarray(0, firstCluster + 40), junk]);
  for (const bytes of [junk, Buffer.concat([header, junk]), brokenCluster]) {
    const outcome = await finalizeBytes(bytes);
    assert.equal(outcome.status, 'error', `${bytes.length} bytes: ${outcome.error}`);
    assert.match(outcome.error ?? '', /could not be read|no decodable/);
  }
});
