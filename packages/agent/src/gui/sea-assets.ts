import fs from 'node:fs';
import path from 'node:path';
import sea from 'node:sea';

/**
 * Writes the window's files carried by the self-contained executable (`gui/<file>` assets, listed in
 * `gui/files.json` by scripts/build-executables.mjs) into `dir`, once: the window serves them from there.
 */
export function extractGuiAssets(dir: string): string {
  const done = path.join(dir, '.complete');
  if (fs.existsSync(done)) return dir;
  const files = JSON.parse(sea.getAsset('gui/files.json', 'utf8')) as string[];
  for (const file of files) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, new Uint8Array(sea.getAsset(`gui/${file}`)));
  }
  fs.writeFileSync(done, '');
  return dir;
}
