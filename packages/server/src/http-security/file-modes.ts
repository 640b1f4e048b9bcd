import fs from 'node:fs';
import path from 'node:path';

/**
 * Recordings are the most private thing the server holds: everything it creates — the database and its WAL, the
 * media folders, recordings, thumbnails, ffmpeg's outputs (a child inherits the mask) — is for its own user only
 * (files 0600, folders 0700). DATA_DIR and a database left readable by an older version are closed up at start;
 * docs/SECURITY.md says how to do the same for older recordings.
 */
export function restrictFileModes(dataDir: string) {
  process.umask(0o077);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  for (const name of ['vaahshare.sqlite', 'vaahshare.sqlite-wal', 'vaahshare.sqlite-shm']) {
    const file = path.join(dataDir, name);
    if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
  }
}
