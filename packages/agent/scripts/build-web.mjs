// Builds the browser share page (web/) into dist/web, which the server serves at /share.
// Skips the build when dist/web is newer than every source file, so `npm start` stays quick.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'web');
const stamp = path.join(out, '.built');
const sources = ['web', 'src/shared', '../protocol/src'].map((d) => path.join(root, d));

const newest = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const full = path.join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }, 0);

export async function buildWeb({ force = false } = {}) {
  const sourceTime = Math.max(...sources.map(newest));
  if (!force && fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= sourceTime) return false;
  fs.mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(root, 'web', 'share.ts')],
    outfile: path.join(out, 'share.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'share.css']) fs.copyFileSync(path.join(root, 'web', file), path.join(out, file));
  fs.writeFileSync(stamp, new Date().toISOString());
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildWeb({ force: process.argv.includes('--force') });
  console.log(built ? `share page built into ${path.relative(process.cwd(), out)}` : 'share page is up to date');
}
