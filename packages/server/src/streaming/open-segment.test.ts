import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '@vaahshare/testkit';
import { chunks, makeWebm } from '@vaahshare/testkit/webm';
import { OpenSegment } from './open-segment.js';
import { SegmentWrites } from './segment-writes.js';

for (const mode of ['auto', 'pool'] as const) describe(`OpenSegment, STREAM_WRITES=${mode}`, () => {
  const dataDir = tempDir();
  const writes = new SegmentWrites({ mode });
  let webm: Buffer;
  before(async () => {
    webm = await makeWebm({ seconds: 2, fps: 10, gop: 10 });
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('relays what follows the header as it arrives, and writes every byte', async () => {
    const segment = await OpenSegment.open(dataDir, { id: 1, company_id: 1, client_id: 1, segment_id: 's1', original_name: 's1' }, writes);
    const relayed: Buffer[] = [];
    let inits = 0;
    for (const chunk of chunks(webm, 1000)) {
      await segment.append(chunk, (headerCompleted, afterHeader) => {
        if (headerCompleted) inits++;
        if (afterHeader) relayed.push(afterHeader);
      });
    }
    assert.equal(inits, 1);
    assert.ok(Buffer.concat([segment.header!, ...relayed]).equals(webm), 'header + relayed bytes are the stream');
    assert.equal(segment.size, webm.length);
    await segment.close();
    assert.ok(fs.readFileSync(segment.path).equals(webm));
  });

  test('a failed write keeps the size and stops relaying (viewers would get the resent bytes twice)', async () => {
    const segment = await OpenSegment.open(dataDir, { id: 2, company_id: 1, client_id: 1, segment_id: 's2', original_name: 's2' }, writes);
    const [first, second] = chunks(webm, 5000);
    await segment.append(first, () => {});
    assert.equal(segment.relayable, true);
    // A closed descriptor makes the next write fail, as a full or broken disk would.
    fs.closeSync((segment as unknown as { file: fs.promises.FileHandle }).file.fd);
    await assert.rejects(segment.append(second, () => {}), { code: 'EBADF' });
    assert.equal(segment.size, 5000);
    assert.equal(segment.relayable, false);
  });
});
