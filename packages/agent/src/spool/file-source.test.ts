import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { FileSource } from './file-source.js';

/** This process's open file descriptors on `file` (Linux's /proc). */
const openOn = (file: string) =>
  fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // the directory's own descriptor, gone by now
    }
  });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-source-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function segmentFile() {
  const file = path.join(fs.mkdtempSync(path.join(dir, 'segment-')), 'segment.webm');
  fs.writeFileSync(file, Buffer.from('0123456789'));
  return fs.realpathSync(file);
}

test('reads that start together open the file once; closing while it opens leaves nothing open', async () => {
  const file = segmentFile();
  const source = new FileSource(file);
  const reads = [source.read(0, 4), source.read(4, 4)];
  // The uploader is done with the segment (sent, or kept for a whole upload) before its reads came back.
  await source.close();
  await Promise.allSettled(reads);
  assert.deepEqual(openOn(file), []);
});

test('a source reads from any offset through one handle, and close releases it', async () => {
  const file = segmentFile();
  const source = new FileSource(file);
  assert.equal(Buffer.from(await source.read(0, 4)).toString(), '0123');
  assert.equal(Buffer.from(await source.read(6, 10)).toString(), '6789');
  assert.equal(openOn(file).length, 1);
  await source.close();
  assert.deepEqual(openOn(file), []);
});
