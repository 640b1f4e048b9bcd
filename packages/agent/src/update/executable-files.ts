import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AgentUpdateOffer } from '@vaahshare/protocol';

/** The executable's neighbours: the new build while it downloads, and the old one kept as the fallback. */
export function executableFiles(executable: string) {
  const { dir, name, ext } = path.parse(executable);
  return { current: executable, download: path.join(dir, `${name}.download${ext}`), previous: path.join(dir, `${name}.previous${ext}`) };
}
export type ExecutableFiles = ReturnType<typeof executableFiles>;

export class DownloadRefused extends Error {}

/** Downloads the offered build beside the executable, hashing it as it arrives; refuses (and deletes) what does not match. */
export async function downloadBuild(server: string, offer: AgentUpdateOffer, files: ExecutableFiles): Promise<void> {
  const response = await fetch(new URL(offer.url, server));
  if (!response.ok || !response.body) throw new Error(`the server answered ${response.status} for ${offer.url}`);
  const hash = createHash('sha256');
  try {
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          yield chunk;
        }
      },
      fs.createWriteStream(files.download, { mode: 0o755 }),
    );
    const actual = hash.digest('hex');
    if (actual !== offer.sha256) throw new DownloadRefused(`sha256 mismatch: the server states ${offer.sha256}, the download is ${actual}`);
  } catch (err) {
    fs.rmSync(files.download, { force: true });
    throw err;
  }
}

/** The new build takes the executable's name; the old one stays beside it. A rename each: never half a file in place. */
export function swapIn(files: ExecutableFiles) {
  // Windows renames a running executable but not onto an existing file.
  fs.rmSync(files.previous, { force: true });
  fs.renameSync(files.current, files.previous);
  try {
    fs.renameSync(files.download, files.current);
  } catch (err) {
    fs.renameSync(files.previous, files.current);
    throw err;
  }
}

/** The old build back in place; the new one that failed is deleted. */
export function rollBack(files: ExecutableFiles) {
  fs.rmSync(files.current, { force: true });
  fs.renameSync(files.previous, files.current);
}
