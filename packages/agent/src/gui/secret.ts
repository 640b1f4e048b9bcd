import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The per-install secret of the agent's window: every page and API request must carry it. */
export const secretFileOf = (dataDir: string) => path.join(dataDir, 'gui-secret');

/** Reads the secret of this data directory, creating it (readable by its owner only) on first use. */
export function loadOrCreateSecret(dataDir: string): string {
  const file = secretFileOf(dataDir);
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(existing)) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(24).toString('base64url');
  fs.writeFileSync(`${file}.tmp`, secret, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
  return secret;
}

/** The address of the window, with its secret. */
export const guiUrl = (port: number, secret: string) => `http://127.0.0.1:${port}/${secret}/`;
