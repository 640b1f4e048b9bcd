// Builds dist/main.js, the server as `npm start` runs it: our TypeScript (server and protocol) bundled by
// esbuild, the dependencies loaded from node_modules as usual. Starting it takes a fraction of the time tsx
// takes to compile the sources at every start, which is what a restart's reconnect storm waits for.
// Rebuilt only when a source file is newer.   node scripts/build.mjs [--force]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, isFresh, nodeModuleOptions } from '../../../scripts/bundle.mjs';

/**
 * How Node runs the bundle (`npm start`, deploy/, the demo and the benchmarks; a test keeps them the same).
 * Source maps make stack traces name our TypeScript files. The two GC flags come from the streaming
 * benchmark (BENCHMARKS.md, Streaming). Live streams keep a few MB of young objects in flight (frames being
 * written, their acks), and each full GC promotes them all to the old generation, where they die; with V8's
 * own heap growing that garbage started the next full GC at once (measured with --trace-gc-nvp), so
 * marking ran all the time: 2–3 full GCs a second, a fifth of a core in GC threads, and long pauses. A fixed
 * 40 % growth before the next full GC breaks that cycle (one every few seconds). The young generation is
 * capped at 6 MiB per semi-space: each MiB of it is resident memory holding dead frames until the next
 * scavenge, which keeps the memory per stream where it was with the default growth.
 */
export const serverNodeFlags = ['--enable-source-maps', '--max-semi-space-size=6', '--heap-growing-percent=40'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = [path.join(root, 'src'), path.join(root, '../protocol/src')];
const { dependencies } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

export async function buildServer({ force = false } = {}) {
  const outfile = path.join(root, 'dist', 'main.js');
  if (!force && isFresh(outfile, sources)) return outfile;
  await bundle(
    {
      ...nodeModuleOptions,
      entryPoints: [path.join(root, 'src', 'main.ts')],
      sourcemap: true,
      // Our workspace packages are TypeScript and go in; everything else stays a package Node loads itself.
      external: Object.keys(dependencies).filter((name) => !name.startsWith('@vaahshare/')),
    },
    outfile,
  );
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  const stale = force || !isFresh(path.join(root, 'dist', 'main.js'), sources);
  const outfile = await buildServer({ force });
  // `npm start` runs this every time: it speaks only when it built something.
  if (stale) console.log(`server built (${path.relative(process.cwd(), outfile)})`);
}
