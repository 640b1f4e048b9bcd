// Builds the dashboard when its build is missing or older than its sources (`npm start` runs this first).
// Usage: ensure-build.ts [--force] [--allow-failure] [--brief]. With --allow-failure a failed build is reported and
// the exit code is 0, so the server still starts (and its `/` says what to run); --brief (`npm start`) says nothing
// when the build is current and one line before and after a build instead of Vite's list of files.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock } from './lock.js';

export const DASHBOARD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_DIR = path.join(DASHBOARD_DIR, 'dist');
const PROTOCOL_SRC = path.resolve(DASHBOARD_DIR, '../protocol/src');
const SOURCES = ['src', 'public', 'build', 'index.html', 'vite.config.ts', 'package.json'].map((p) => path.join(DASHBOARD_DIR, p));
/** Held while building, so test files started together build once. */
const LOCK = `vaahshare-dashboard-build-${Buffer.from(DASHBOARD_DIR).toString('base64url').slice(-24)}`;

function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(target).reduce((newest, name) => Math.max(newest, newestMtime(path.join(target, name))), stat.mtimeMs);
}

export function buildIsCurrent(): boolean {
  const index = path.join(DIST_DIR, 'index.html');
  if (!fs.existsSync(index)) return false;
  const sources = Math.max(...SOURCES.map(newestMtime), newestMtime(PROTOCOL_SRC));
  return fs.statSync(index).mtimeMs >= sources;
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const release = await acquireLock(LOCK);
  try {
    return await work();
  } finally {
    release();
  }
}

/** Builds into a fresh folder and swaps it in, so a running server never serves half a build. */
async function build(quiet: boolean | 'brief') {
  const { build: viteBuild } = await import('vite');
  const outDir = `${DIST_DIR}.building-${process.pid}`;
  try {
    await viteBuild({ root: DASHBOARD_DIR, configFile: path.join(DASHBOARD_DIR, 'vite.config.ts'), logLevel: quiet === true ? 'error' : quiet ? 'warn' : 'info', build: { outDir, emptyOutDir: true, rolldownOptions: { checks: { pluginTimings: false } } } });
    fs.rmSync(DIST_DIR, { recursive: true, force: true });
    fs.renameSync(outDir, DIST_DIR);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * Makes sure `dist` is current; returns whether it built. `quiet`: nothing but errors; `'brief'` (`npm start`): a
 * line before and after instead of Vite's list of every file it wrote.
 */
export async function ensureDashboardBuild({ force = false, quiet = false }: { force?: boolean; quiet?: boolean | 'brief' } = {}): Promise<boolean> {
  if (!force && buildIsCurrent()) return false;
  return withLock(async () => {
    if (!force && buildIsCurrent()) return false; // another process built it while we waited
    const startedAt = Date.now();
    if (quiet !== true) process.stdout.write('Building the dashboard (its sources changed or it was never built)…\n');
    await build(quiet);
    if (quiet === 'brief') process.stdout.write(`Dashboard built in ${Math.round((Date.now() - startedAt) / 1000)} s.\n`);
    return true;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  ensureDashboardBuild({ force: args.has('--force'), quiet: args.has('--brief') ? 'brief' : false }).then(
    (built) => {
      if (!built && !args.has('--brief')) process.stdout.write('The dashboard build is current.\n');
    },
    (err: unknown) => {
      process.stderr.write(`\nThe dashboard could not be built: ${err instanceof Error ? err.message : String(err)}\n`);
      if (!args.has('--allow-failure')) process.exit(1);
      process.stderr.write('The server starts without it; fix the error above and run `npm run build:dashboard`.\n\n');
    },
  );
}
