// What the packages' build scripts share: esbuild bundles, rebuilt only when a source file is newer.
import fs from 'node:fs';
import path from 'node:path';

/** Newest modification time of a file, or of any file under a directory. */
const newest = (target) =>
  fs.statSync(target).isDirectory()
    ? fs.readdirSync(target).reduce((max, name) => Math.max(max, newest(path.join(target, name))), 0)
    : fs.statSync(target).mtimeMs;

/** Whether `output` exists and is newer than every file under the (absolute) `sourceDirs` (directories or files). */
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
