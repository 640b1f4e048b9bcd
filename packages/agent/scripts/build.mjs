// Builds what runs from packages/agent/dist, each only when a source file is newer than its output:
// - dist/cli.js: the vaahshare-agent CLI bundled by esbuild (about half the memory of running the
//   TypeScript through tsx; bin/vaahshare-agent.js builds it on demand);
// - dist/web/: the browser share page the server serves at /share (`npm start` builds it);
// - dist/gui/: the agent's own window (Vue + PrimeVue, built by Vite), which a running agent serves on 127.0.0.1
//   (`npm start` and `vaahshare-agent start` build it when stale).
//   node scripts/build.mjs [--force] [--gui]   (--gui: only the window)
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

export const guiIsFresh = () => fresh(path.join(dist, 'gui', 'index.html'), ['gui', 'src/gui/view.ts', '../dashboard/src/theme.css']);

/**
 * Replaces `target` by `built`. Several processes may build at once (test files started together on a fresh
 * clone): when another one's rename lands between our remove and our rename, its fresh build is kept.
 */
function swapIn(built, target) {
  fs.rmSync(target, { recursive: true, force: true });
  try {
    fs.renameSync(built, target);
  } catch (err) {
    if (!['ENOTEMPTY', 'EEXIST'].includes(err.code) || !guiIsFresh()) throw err;
  }
}

/** Builds the window into a fresh folder and swaps it in, so a running agent never serves half a build. */
export async function buildGui({ force = false } = {}) {
  if (!force && guiIsFresh()) return false;
  const { build } = await import('vite');
  const out = path.join(dist, `gui.building-${process.pid}`);
  try {
    await build({ root: path.join(root, 'gui'), configFile: path.join(root, 'gui', 'vite.config.ts'), logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
    swapIn(out, path.join(dist, 'gui'));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  if (process.argv.includes('--gui')) {
    console.log(`the agent's window ${(await buildGui({ force })) ? 'built' : 'up to date'}`);
  } else {
    const cliStale = force || !fresh(path.join(dist, 'cli.js'), ['src', '../protocol/src']);
    await buildCli({ force });
    const web = await buildWeb({ force });
    // The server and the agent run without the window (an install without Vite): say so, and go on.
    const gui = await buildGui({ force }).then(
      (built) => (built ? 'the window' : ''),
      (err) => { console.log(`the agent's window not built (${err.message.split('\n')[0]}); the agent runs without it`); return ''; },
    );
    // `npm start` runs this every time: it speaks only when it built something.
    const built = [cliStale && 'vaahshare-agent', web && 'the share page', gui].filter(Boolean);
    if (built.length) console.log(`built ${built.join(', ')} (${path.relative(process.cwd(), dist)})`);
  }
}
