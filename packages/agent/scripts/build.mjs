// Builds what runs from packages/agent/dist, each only when a source file is newer than its output:
// - dist/cli.js: the vaahshare-agent CLI bundled by esbuild (about half the memory of running the
//   TypeScript through tsx; bin/vaahshare-agent.js builds it on demand);
// - dist/web/: the browser share page the server serves at /share (`npm start` builds it).
//   node scripts/build.mjs [--force]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, isFresh, nodeModuleOptions } from '../../../scripts/bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

const fresh = (output, sourceDirs) => isFresh(output, sourceDirs.map((d) => path.join(root, d)));

export async function buildCli({ force = false } = {}) {
  const outfile = path.join(dist, 'cli.js');
  if (!force && fresh(outfile, ['src', '../protocol/src'])) return outfile;
  // Everything is bundled and minified (a third less memory than loading the packages one by one), except
  // ffmpeg-installer, which finds its binary next to itself, and ws's optional native add-ons.
  await bundle(
    {
      ...nodeModuleOptions,
      entryPoints: [path.join(root, 'src', 'cli.ts')],
      minify: true,
      sourcemap: true,
      external: ['@ffmpeg-installer/ffmpeg', 'bufferutil', 'utf-8-validate'],
    },
    outfile,
  );
  return outfile;
}

export async function buildWeb({ force = false } = {}) {
  const out = path.join(dist, 'web');
  const stamp = path.join(out, '.built');
  if (!force && fresh(stamp, ['web', 'src/shared', '../protocol/src'])) return false;
  await bundle(
    { entryPoints: [path.join(root, 'web', 'share.ts')], platform: 'browser', target: ['chrome110', 'firefox115', 'safari16'], minify: true, sourcemap: true },
    path.join(out, 'share.js'),
  );
  for (const file of ['index.html', 'share.css']) fs.copyFileSync(path.join(root, 'web', file), path.join(out, file));
  fs.writeFileSync(stamp, new Date().toISOString());
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  const cliStale = force || !fresh(path.join(dist, 'cli.js'), ['src', '../protocol/src']);
  await buildCli({ force });
  const web = await buildWeb({ force });
  // `npm start` runs this every time: it speaks only when it built something.
  if (cliStale || web) console.log(`built ${[cliStale && 'vaahshare-agent', web && 'the share page'].filter(Boolean).join(' and ')} (${path.relative(process.cwd(), dist)})`);
}
