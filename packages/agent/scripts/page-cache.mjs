import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Writes `file` out and drops it from the page cache (GNU dd's `iflag=nocache count=0` is posix_fadvise(DONTNEED) on
 * the whole file), so that the next start reads it from disk as a start after a boot or a download does.
 *
 * Why the build does this: most of the agent's RSS is clean pages of its own executable, and how many of them a page
 * fault maps depends on how the file came into the page cache. Written in large pieces (postject writes the whole
 * executable at once), it sits in large folios, each mapped whole by one fault: a start right after the build held
 * 85–108 MB where the same executable read from disk, or downloaded by the install line, holds ~70
 * (docs/bench-log/2026-12-01-agent-executables.md). Where dd has no such flag (macOS, whose kernel maps no large
 * folios of files) this does nothing.
 */
export function dropFromPageCache(file) {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: 'ignore' });
}
