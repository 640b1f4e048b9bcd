import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@vaahshare/testkit';
import { dropFromPageCache } from '../scripts/page-cache.mjs';

/** Bytes of `file` in the page cache (util-linux fincore). */
const cachedBytes = (file: string) => Number(spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' }).stdout.trim());

const skip = process.platform !== 'linux' ? 'the page cache is looked at with Linux tools' : false;

test('a built executable is left out of the page cache, as a boot leaves it: the next start reads it from disk', { skip }, () => {
  const dir = tempDir('vaahshare-page-cache-');
  try {
    const file = path.join(dir, 'vaahshare-agent');
    // Written whole, as postject writes the executable: cached (and dirty) until dropped.
    fs.writeFileSync(file, Buffer.alloc(8 << 20, 1), { mode: 0o755 });
    assert.ok(cachedBytes(file) > 0, 'a file just written is in the page cache');
    dropFromPageCache(file);
    assert.equal(cachedBytes(file), 0);
    assert.equal(fs.statSync(file).size, 8 << 20, 'its content stays on disk');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
