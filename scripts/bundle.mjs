// What the packages' build scripts share: esbuild bundles, rebuilt only when a source file is newer.
import fs from 'node:fs';
import path from 'node:path';

/** Newest modification time of any file under `dir`. */
const newest = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const full = path.join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }, 0);

/** Whether `output` exists and is newer than every file under the (absolute) `sourceDirs`. */
export const isFresh = (output, sourceDirs) => fs.existsSync(output) && fs.statSync(output).mtimeMs >= Math.max(...sourceDirs.map(newest));

/** For bundles that run in Node as ES modules: CommonJS dependencies call require(), so the bundle gets one. */
export const nodeModuleOptions = {
  platform: 'node',
  target: 'node20',
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
};

/** Builds into a private file, then renames: processes starting together never load a half-written bundle. */
export async function bundle(options, outfile) {
  const { build } = await import('esbuild');
  const partial = `${outfile}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  await build({ bundle: true, format: 'esm', logLevel: 'warning', ...options, outfile: partial });
  if (fs.existsSync(`${partial}.map`)) fs.renameSync(`${partial}.map`, `${outfile}.map`);
  fs.renameSync(partial, outfile);
}
