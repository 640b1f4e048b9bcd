/**
 * Agent executables benchmark (issue 14), run under `flock /tmp/vaahshare-bench.lock npm run bench:agent-executables`:
 *
 * 1. Size of each built executable (packages/agent/dist/executables/<platform>/manifest.json), with and
 *    without its ffmpeg.
 * 2. Start → connected: `vaahshare-agent start --source test` spawned until a dashboard socket hears its
 *    `client-connected`; the linux-x64 executable (Node SEA) against the checkout's CLI (`node bin/…`).
 * 3. Idle RSS and CPU of the executable's own process (above its ffmpeg) while streaming the 720p test
 *    picture at 10 fps, 1 Mbit/s: VmRSS twice a second and utime+stime over `--seconds` after a warm-up.
 * 4. Paste → connected: the one line (`curl -fsSL ".../agent/install.sh?token=…" | sh`) run for a
 *    throwaway HOME, until the dashboard hears the client connect; then the installed agent's CPU and RSS while
 *    streaming as in 3 (its first start: its file as the download wrote it, the state a user's desktop is in right
 *    after the install); then uninstalled.
 *
 *   npm run bench:agent-executables -- [--runs 5] [--seconds 12]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AGENT_PLATFORMS, type AgentBuildManifest, type Client } from '@vaahshare/protocol';
import { runInstallLine } from '../../packages/server/src/agent-downloads/test-helpers.js';
import { AGENT_TOKEN, connectDashboard, login, tempDir, testEnv } from '@vaahshare/testkit';
import { freePort, spawnServer } from '@vaahshare/testkit/process';
import { median, round, sleep } from '../presence/lib.js';
import { childPids, measure } from '../agent/proc.js';
import { dropFromPageCache } from '../../packages/agent/scripts/page-cache.mjs';

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '5' }, seconds: { type: 'string', default: '12' } } });
const RUNS = Number(opts.runs);
const SECONDS = Number(opts.seconds);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILDS = path.join(ROOT, 'packages/agent/dist/executables');
const SEA = path.join(BUILDS, 'linux-x64/vaahshare-agent');
const CLI = path.join(ROOT, 'packages/agent/bin/vaahshare-agent.js');
const mb = (bytes: number) => round(bytes / 1e6, 1);

console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const build = spawnSync(process.execPath, [path.join(ROOT, 'packages/agent/scripts/build-executables.mjs'), 'linux-x64', '--if-stale', '--quiet'], { stdio: 'inherit' });
if (build.status !== 0) throw new Error('building the linux-x64 executable failed');

// 1. Sizes.
console.log('\n| platform | agent | ffmpeg | together |\n| --- | --- | --- | --- |');
for (const platform of AGENT_PLATFORMS) {
  const file = path.join(BUILDS, platform, 'manifest.json');
  if (!fs.existsSync(file)) {
    console.log(`| ${platform} | not built (npm run build:agents -- ${platform}) | | |`);
    continue;
  }
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as AgentBuildManifest;
  console.log(`| ${platform} | ${mb(m.agent.size)} MB | ${mb(m.ffmpeg.size)} MB | ${mb(m.agent.size + m.ffmpeg.size)} MB |`);
}

const work = tempDir('vaahshare-bench-exe-');
const server = await spawnServer(testEnv(path.join(work, 'server'), { PORT: String(await freePort()), LOG_LEVEL: 'warn' }));
const dashboard = await connectDashboard(server.url, await login(server.url));
const isolated = { VAAHSHARE_CONFIG: '/nonexistent/config.json' };

/** Resolves with the time the dashboard hears `userHost` connect. */
const connectedAt = (userHost: string) =>
  new Promise<number>((resolve) => {
    const onConnect = (client: Client) => {
      if (client.user_host !== userHost) return;
      dashboard.socket.off('client-connected', onConnect);
      resolve(performance.now());
    };
    dashboard.socket.on('client-connected', onConnect);
  });

const startArgs = (userHost: string) => ['start', '--server', server.url, '--token', AGENT_TOKEN, '--user-host', userHost, '--data-dir', path.join(work, 'data'), '--source', 'test', '--size', '1280x720', '--fps', '10', '--bitrate', '1M'];

async function quit(child: ReturnType<typeof spawn>) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

// 2. Start → connected.
console.log('\n| start → connected | runs | median | min | max |\n| --- | --- | --- | --- | --- |');
for (const [name, program, prefix] of [['linux-x64 executable (SEA)', SEA, []], ['checkout CLI (node bin/vaahshare-agent.js)', process.execPath, [CLI]]] as const) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const userHost = `start-${times.length}-${name.length}@bench`;
    const connected = connectedAt(userHost);
    const started = performance.now();
    const child = spawn(program, [...prefix, ...startArgs(userHost)], { env: { ...process.env, ...isolated }, stdio: 'ignore' });
    times.push((await connected) - started);
    await quit(child);
  }
  console.log(`| ${name} | ${RUNS} | ${Math.round(median(times))} ms | ${Math.round(Math.min(...times))} ms | ${Math.round(Math.max(...times))} ms |`);
}

// 3. RSS and CPU while streaming: the executable as the build and the starts above left it in the page cache (the
// build drops it: scripts/page-cache.mjs), then the same dropped again (as at login after a boot), and the checkout's
// CLI bundle for comparison.
console.log('\n| streaming 1280x720 test picture, 10 fps, 1M | agent process CPU | its ffmpeg CPU | agent RSS median / max |\n| --- | --- | --- | --- |');
const streamingRuns = [
  ['linux-x64 executable (SEA), page cache as found', SEA, []],
  ['linux-x64 executable (SEA), started from disk', SEA, [], () => dropFromPageCache(SEA)],
  ['checkout CLI (node bin/vaahshare-agent.js)', process.execPath, [CLI]],
] as const;
for (const [name, program, prefix, before] of streamingRuns) {
  before?.();
  const userHost = `streaming-${name.length}@bench`;
  const connected = connectedAt(userHost);
  const child = spawn(program, [...prefix, ...startArgs(userHost)], { env: { ...process.env, ...isolated }, stdio: 'ignore' });
  await connected;
  await sleep(3000);
  const [ffmpeg] = childPids(child.pid!);
  const usage = await measure([child.pid!, ffmpeg!], SECONDS);
  console.log(`| ${name} | ${round(usage.cpu[0]!, 1)} % | ${round(usage.cpu[1]!, 1)} % | ${round(usage.rssMedianMb, 1)} / ${round(usage.rssMaxMb, 1)} MB |`);
  await quit(child);
}

// 4. Paste → connected, and the installed agent's first start (its file as the download wrote it) while streaming.
{
  const times: number[] = [];
  const firstStarts: string[] = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    const home = tempDir('vaahshare-bench-home-');
    const userHost = `installed-${i}@bench`;
    const env = { HOME: home, PATH: process.env.PATH!, VAAHSHARE_SOURCE: 'test', VAAHSHARE_USER_HOST: userHost, VAAHSHARE_SIZE: '1280x720', VAAHSHARE_FPS: '10', VAAHSHARE_BITRATE: '1M' };
    const connected = connectedAt(userHost);
    const started = performance.now();
    const install = await runInstallLine(`${server.url}/agent/install.sh?token=${AGENT_TOKEN}`, ['--no-service'], env);
    if (install.code !== 0) throw new Error(`install failed: ${install.stdout}${install.stderr}`);
    times.push((await connected) - started);
    const pid = Number(/started \(pid (\d+)\)/.exec(install.stdout)?.[1]);
    await sleep(3000);
    const [ffmpeg] = childPids(pid);
    const usage = await measure([pid, ffmpeg!], SECONDS);
    firstStarts.push(`| installed by the line, first start (run ${i + 1}) | ${round(usage.cpu[0]!, 1)} % | ${round(usage.cpu[1]!, 1)} % | ${round(usage.rssMedianMb, 1)} / ${round(usage.rssMaxMb, 1)} MB |`);
    await runInstallLine(`${server.url}/agent/install.sh`, ['--uninstall'], env);
    fs.rmSync(home, { recursive: true, force: true });
  }
  console.log('\n| paste → connected (download 168 MB, check, install, setup, start) | runs | median | min | max |\n| --- | --- | --- | --- | --- |');
  console.log(`| curl … \\| sh, localhost | ${times.length} | ${round(median(times) / 1000, 2)} s | ${round(Math.min(...times) / 1000, 2)} s | ${round(Math.max(...times) / 1000, 2)} s |`);
  console.log('\n| streaming 1280x720 test picture, 10 fps, 1M | agent process CPU | its ffmpeg CPU | agent RSS median / max |\n| --- | --- | --- | --- |');
  for (const row of firstStarts) console.log(row);
}

console.log(`\nload average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
dashboard.socket.disconnect();
await server.stop('SIGTERM');
fs.rmSync(work, { recursive: true, force: true });
