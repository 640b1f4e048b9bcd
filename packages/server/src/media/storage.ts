import fs from 'node:fs';
import path from 'node:path';

/**
 * Where a media item's files live under DATA_DIR. Every path is built from numeric ids the server
 * assigned — never from a name an agent or a user sent — so no input can point outside DATA_DIR.
 *
 *   media/<company_id>/<client_id>/<media_id>.raw.webm   bytes as received (recording, or an upload)
 *   media/<company_id>/<client_id>/<media_id>.webm       the seekable file, once ready
 *   media/<company_id>/<client_id>/<media_id>.jpg        its thumbnail
 */
export interface MediaKey {
  id: number;
  company_id: number;
  client_id: number;
}

export function mediaPaths(dataDir: string, key: MediaKey) {
  const dir = path.join(dataDir, 'media', String(key.company_id), String(key.client_id));
  return {
    dir,
    raw: path.join(dir, `${key.id}.raw.webm`),
    final: path.join(dir, `${key.id}.webm`),
    thumbnail: path.join(dir, `${key.id}.jpg`),
  };
}

export async function ensureMediaDir(dataDir: string, key: MediaKey): Promise<ReturnType<typeof mediaPaths>> {
  const paths = mediaPaths(dataDir, key);
  await fs.promises.mkdir(paths.dir, { recursive: true });
  return paths;
}
