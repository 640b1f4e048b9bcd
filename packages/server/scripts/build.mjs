// Builds dist/main.js, the server as `npm start` runs it: our TypeScript (server and protocol) and the pure
// JavaScript dependencies bundled by esbuild into one file. A restart's reconnect storm waits for the start-up,
// and Node resolving, reading and linking some 400 module files took a third of it (1.44 s → 0.97 s to
// listening, docs/bench-log/presence.md 2026-12-02). Rebuilt only when a source file or the lockfile is newer.
//   node scripts/build.mjs [--force]
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
 * scavenge, which keeps the memory per stream where it was with the default growth. During a burst of connections
 * (a reconnect storm) the server lets V8 size the heap itself instead (src/infra/heap-growth.ts).
 */
export const serverNodeFlags = ['--enable-source-maps', '--max-semi-space-size=6', '--heap-growing-percent=40'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The lockfile: a dependency updated by `npm install` is in the bundle, so it makes the bundle stale too.
const sources = [path.join(root, 'src'), path.join(root, '../protocol/src'), path.join(root, '../../package-lock.json')];

/**
 * Left to Node, loaded from node_modules: native addons (and what loads them), packages that find files of their
 * own at run time (pino's transport workers, ffmpeg's per-platform binary), optional dependencies that may be
 * absent (ws's bufferutil and utf-8-validate, pg's pg-native), and what only a cluster loads (Redis), so that a
 * single node's heap does not hold it.
 */
const external = [
  'better-sqlite3',
  'argon2',
  'pg',
  'pg-native',
  'redis',
  '@socket.io/redis-streams-adapter',
  '@ffmpeg-installer/ffmpeg',
  'pino',
  'pino-pretty',
  'bufferutil',
  'utf-8-validate',
];

export async function buildServer({ force = false } = {}) {
  const outfile = path.join(root, 'dist', 'main.js');
  if (!force && isFresh(outfile, sources)) return outfile;
  await bundle(
    {
      ...nodeModuleOptions,
      entryPoints: [path.join(root, 'src', 'main.ts')],
      sourcemap: true,
      // Stack traces need the mappings only; the sources' text would only make the map bigger to read.
      sourcesContent: false,
      external,
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
