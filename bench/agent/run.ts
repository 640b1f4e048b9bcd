/**
 * Agent benchmark (issue 4), run under `flock /tmp/vaahshare-bench.lock npm run bench:agent`:
 *
 * 1. CPU and RSS of `vaahshare-agent start` (Node process + its ffmpeg) against ffmpeg alone with the
 *    same capture command line writing to a file, at 720p and 1080p, 10 fps, on a 1920x1080 Xvfb
 *    screen (x11grab) and on the synthetic moving picture (`--source test`, which fills the bitrate).
 * 2. Live latency, a frame captured → its last byte at a watching dashboard socket: ours on the real screen,
 *    timed by a clock painted on it (`painted-clock.ts`), hop by hop (grab → the agent's disk → the viewer);
 *    ours and the original design's 2-second MediaRecorder slices (the same ffmpeg output sent every 2 s) on the
 *    test picture, timed from ffmpeg's spawn, in the same run, same server; and how soon a viewer joining an
 *    unwatched desktop gets a keyframe (issue 20).
 *
 * 3. A network cut of 30 s mid-stream (a TCP proxy resets every connection and refuses new ones): the
 *    seconds of capture missing from the recording afterwards (capture time − recorded duration).
 *
 *   npm run bench:agent -- [--seconds 12] [--sizes 1280x720,1920x1080] [--latency-seconds 14] [--cut-seconds 30]
 */
import { spawn } from 'node:child_process';
import { DEFAULT_QUALITY_PRESET } from '@vaahshare/protocol';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { captureArgs, type CaptureOptions } from '../../packages/agent/src/capture/capture-args.js';
import { findFfmpeg } from '../../packages/agent/src/capture/ffmpeg-binary.js';
import { PRESETS } from '../../packages/agent/src/capture/presets.js';
import { x11ScreenSize } from '../../packages/agent/src/capture/screen-size.js';
import { agentArgs, runAgent } from '../../packages/agent/test/agent-process.js';
import { startCutProxy } from '../../packages/agent/test/cut-proxy.js';
import { clientId, finalizedMedia } from '../../packages/agent/test/helpers.js';
import { startXvfb } from '../../packages/agent/test/xvfb.js';
import { connectDashboard, login, openSocket, tempDir, testEnv, type TestSocket } from '@vaahshare/testkit';
import { WebmFrameTimes } from '@vaahshare/testkit/webm-frames';
import { freePort, spawnServer } from '@vaahshare/testkit/process';
import { percentile, round, sleep, waitUntil } from '../presence/lib.js';
import { paintClock, readClock } from './painted-clock.js';
import { childPids, measure } from './proc.js';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    sizes: { type: 'string', default: '1280x720,1920x1080' },
    'latency-seconds': { type: 'string', default: '14' },
    'cut-seconds': { type: 'string', default: '30' },
  },
});
const SECONDS = Number(opts.seconds);
const WARMUP_MS = 3000;
const FFMPEG = findFfmpeg(process.env.PATH ?? '');

const work = tempDir('vaahshare-bench-agent-');
const server = await spawnServer(testEnv(path.join(work, 'server'), { PORT: String(await freePort()), LOG_LEVEL: 'warn' }));
const fbdir = path.join(work, 'fb');
fs.mkdirSync(fbdir);
const xvfb = await startXvfb('1920x1080', fbdir);
const token = await login(server.url);
const serverPort = Number(new URL(server.url).port);

function options(source: 'screen' | 'test', size: string): CaptureOptions {
  const [width, height] = size.split('x').map(Number);
  const screenSize = source === 'screen' ? x11ScreenSize('/usr/bin/xdpyinfo', xvfb.display) : undefined;
  return { source, fps: 10, width, height, display: xvfb.display, screenSize };
}

/** As the agent encodes with the default preset; `watched`: as while someone watches live. */
function spawnFfmpeg(o: CaptureOptions, file: string, watched = false) {
  const out = fs.openSync(file, 'a');
  const child = spawn(FFMPEG, captureArgs(o, { preset: DEFAULT_QUALITY_PRESET, watched }), { stdio: ['ignore', out, 'inherit'] });
  fs.closeSync(out);
  return child;
}

async function ffmpegAlone(o: CaptureOptions) {
  const child = spawnFfmpeg(o, path.join(work, `alone-${Date.now()}.webm`));
  await sleep(WARMUP_MS);
  const usage = await measure([child.pid!], SECONDS);
  child.kill('SIGKILL');
  return usage.cpu[0];
}

async function agentUsage(o: CaptureOptions, size: string) {
  const agent = runAgent(
    ['start', '--server', server.url, '--token', 'test-enrollment-token-0000', '--user-host', `bench-${o.source}-${size}@bench`, '--data-dir', path.join(work, 'agents'),
      '--source', o.source, '--size', size, '--fps', '10', '--display', xvfb.display, '--segment-minutes', '0'],
  );
  await agent.waitFor(/connected to/);
  await sleep(WARMUP_MS);
  const [ffmpegPid] = childPids(agent.child.pid!);
  const usage = await measure([agent.child.pid!, ffmpegPid], SECONDS);
  await agent.stop('SIGINT');
  return { node: usage.cpu[0], ffmpeg: usage.cpu[1], rssMedianMb: usage.rssMedianMb, rssMaxMb: usage.rssMaxMb };
}

/** Frames of each segment a dashboard watching `userHost` receives (a new segment starts with `stream-init`). */
function segmentFrames(dash: Awaited<ReturnType<typeof connectDashboard>>) {
  const segments = new Map<string, WebmFrameTimes>();
  dash.socket.on('stream-init', ({ segment_id, buffer }) => {
    segments.set(segment_id, new WebmFrameTimes());
    segments.get(segment_id)!.push(buffer, Date.now());
  });
  dash.socket.on('video-frame', ({ segment_id, buffer }) => segments.get(segment_id)?.push(buffer, Date.now()));
  return segments;
}

/**
 * Frames of the last segment a dashboard watching `userHost` receives; `t0` is when the capture of that segment
 * started (the agent starts a live-view recording when someone watches).
 */
async function watchFrames(userHost: string, start: () => Promise<{ t0: () => Promise<number>; stop: () => Promise<void> }>) {
  const dash = await connectDashboard(server.url, token);
  const segments = segmentFrames(dash);
  dash.socket.on('client-connected', (client) => {
    if (client.user_host === userHost) void dash.socket.emitWithAck('watch', { client_id: client.id });
  });
  const run = await start();
  await sleep(Number(opts['latency-seconds']) * 1000);
  const t0 = await run.t0();
  await run.stop();
  dash.socket.disconnect();
  const times = [...segments.values()].at(-1)!;
  // The first 2 s may reach a watcher that joined late as a catch-up: only live frames count.
  const latencies = times.frames.filter((f) => f.ptsMs >= 2000).map((f) => f.arrivedAt - (t0 + f.ptsMs));
  return { frames: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies) };
}

/** Ours: the real agent on the moving test picture at 720p, its live-view recording (the default preset's cap). */
const oursLatency = () =>
  watchFrames('latency@bench', async () => {
    const agent = runAgent(agentArgs(server.url, 'latency@bench', path.join(work, 'agents'), ['--size', '1280x720', '--bitrate', PRESETS.balanced.liveCap, '--segment-minutes', '0']));
    return { t0: () => agent.waitFor(/capturing a test picture .*live view\)/), stop: async () => void (await agent.stop('SIGINT')) };
  });

const spread = (values: number[]) => ({ p50: round(percentile(values, 50), 0), p95: round(percentile(values, 95), 0), max: round(Math.max(...values), 0) });

/** Follows a growing file as the agent's sender would see it: each frame's time on disk (inotify, and a 5 ms poll). */
function followFile(file: string) {
  const times = new WebmFrameTimes();
  const fd = fs.openSync(file, 'r');
  let offset = 0;
  const look = () => {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return;
    const bytes = Buffer.alloc(size - offset);
    offset += fs.readSync(fd, bytes, 0, bytes.length, offset);
    times.push(bytes, Date.now());
  };
  const watcher = fs.watch(file, look);
  const poll = setInterval(look, 5);
  return {
    times,
    stop: () => {
      watcher.close();
      clearInterval(poll);
      fs.closeSync(fd);
    },
  };
}

/**
 * Ours, end to end on the real screen: the agent captures the 1920×1080 Xvfb screen at 1280×720 while a dashboard
 * socket watches; each frame's capture time is the clock painted on the screen. Hops: painted → on the agent's disk
 * (x11grab, scaling, VP9, the WebM muxer: ffmpeg) and on disk → at the viewer (the agent noticing the file grew and
 * sending, the server relaying). Frames of the first 2 s of the live-view recording are left out, as above.
 */
async function paintedLatency() {
  const origin = Date.now();
  const clock = paintClock(path.join(fbdir, 'Xvfb_screen0'), origin);
  const dash = await connectDashboard(server.url, token);
  const segments = segmentFrames(dash);
  const bytes = new Map<string, Uint8Array[]>();
  const keep = ({ segment_id, buffer }: { segment_id: string; buffer: Uint8Array }) => bytes.set(segment_id, [...(bytes.get(segment_id) ?? []), buffer]);
  dash.socket.on('stream-init', keep);
  dash.socket.on('video-frame', keep);
  dash.socket.on('client-connected', (client) => {
    if (client.user_host === 'painted@bench') void dash.socket.emitWithAck('watch', { client_id: client.id });
  });
  const agent = runAgent(agentArgs(server.url, 'painted@bench', path.join(work, 'agents'), ['--source', 'screen', '--display', xvfb.display, '--size', '1280x720', '--segment-minutes', '0']));
  await agent.waitFor(/capturing the screen into .* live view\)/);
  const file = /capturing the screen into (\S+) \(quality "[^"]+", live view\)/.exec(agent.output())![1];
  const disk = followFile(file);
  await sleep(Number(opts['latency-seconds']) * 1000);
  await agent.stop('SIGINT');
  disk.stop();
  clock.stop();
  dash.socket.disconnect();
  const [segmentId, viewer] = [...segments.entries()].at(-1)!;
  const webm = path.join(work, 'painted.webm');
  fs.writeFileSync(webm, Buffer.concat(bytes.get(segmentId)!));
  const painted = await readClock(FFMPEG, webm, 2 / 3);
  if (painted.length !== viewer.frames.length) throw new Error(`decoded ${painted.length} frames of ${viewer.frames.length} received`);
  const rows = viewer.frames.flatMap((f, i) => {
    const onDisk = disk.times.frames[i];
    const at = painted[i];
    if (f.ptsMs < 2000 || at === null || onDisk?.ptsMs !== f.ptsMs) return [];
    return [{ total: f.arrivedAt - (origin + at), ffmpeg: onDisk.arrivedAt - (origin + at), sending: f.arrivedAt - onDisk.arrivedAt }];
  });
  const unread = painted.filter((p) => p === null).length;
  const of = (hop: keyof (typeof rows)[number]) => spread(rows.map((r) => r[hop]));
  return { frames: rows.length, unread, total: of('total'), ffmpeg: of('ffmpeg'), sending: of('sending'), paintGap: spread(clock.gaps) };
}

/**
 * A viewer joining a desktop nobody watched for a while: from `watch` to the first keyframe at the dashboard (a
 * picture: the catch-up from the newest keyframe), and to the first keyframe of the live-view recording the agent
 * starts for it. Each trial waits until the agent went back to the archive's settings.
 */
async function joinTimes(trials: number) {
  const agent = runAgent(agentArgs(server.url, 'join@bench', path.join(work, 'agents'), ['--size', '1280x720', '--bitrate', PRESETS.balanced.liveCap, '--segment-minutes', '0']));
  await agent.waitFor(/connected to/);
  const id = await clientId(server.url, token, 'join@bench');
  const rows: Array<{ picture: number; liveView: number }> = [];
  for (let i = 0; i < trials; i++) {
    await sleep(5000);
    const dash = await connectDashboard(server.url, token);
    const segments = segmentFrames(dash);
    const asked = Date.now();
    await dash.socket.emitWithAck('watch', { client_id: id });
    const firstKey = (times: WebmFrameTimes | undefined) => times?.frames.find((f) => f.key)?.arrivedAt;
    const liveView = () => [...segments.values()].slice(1).map(firstKey).find(Boolean);
    await waitUntil(() => Boolean(liveView()), 10_000, 'the live-view recording');
    rows.push({ picture: Math.min(...[...segments.values()].map((t) => firstKey(t) ?? Infinity)) - asked, liveView: liveView()! - asked });
    dash.socket.disconnect();
    const backs = (agent.output().match(/nobody watches live any more/g) ?? []).length;
    await waitUntil(() => (agent.output().match(/nobody watches live any more/g) ?? []).length > backs, 30_000, 'the archive settings again');
  }
  await agent.stop('SIGINT');
  return rows;
}


/** The original design: the same encoder output, sent as one packet per 2-second slice. */
const slicesLatency = () =>
  watchFrames('slices@bench', async () => {
    const socket: TestSocket = openSocket(server.url);
    await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
    await socket.emitWithAck('client-connected', { machine_info: { user_host: 'slices@bench' } });
    await socket.emitWithAck('start-streaming', { segment_id: 'slices-bench' });
    const file = path.join(work, 'slices.webm');
    const child = spawnFfmpeg(options('test', '1280x720'), file);
    const started = Date.now();
    const t0 = async () => started;
    let offset = 0;
    const timer = setInterval(() => {
      const bytes = fs.readFileSync(file).subarray(offset);
      if (!bytes.length) return;
      socket.emit('video-frame', { buffer: bytes, segment_id: 'slices-bench', offset });
      offset += bytes.length;
    }, 2000);
    return {
      t0,
      stop: async () => {
        clearInterval(timer);
        child.kill('SIGKILL');
        socket.disconnect();
      },
    };
  });

/** Capture time minus recorded duration across a cut: what a cut cost, in seconds. */
async function cutLoss() {
  const proxy = await startCutProxy(serverPort);
  const agent = runAgent(agentArgs(proxy.url, 'cut@bench', path.join(work, 'agents'), ['--size', '1280x720', '--bitrate', '1M', '--segment-minutes', '0']));
  const t0 = await agent.waitFor(/capturing a test picture/);
  await agent.waitFor(/connected to/);
  await sleep(3000);
  proxy.cut();
  await sleep(Number(opts['cut-seconds']) * 1000);
  proxy.restore();
  const restoredAt = Date.now();
  const caughtUp = await agent.waitFor(/caught up: live again/, 60_000);
  await sleep(2000);
  const stopAt = Date.now();
  await agent.stop('SIGINT');
  await proxy.close();
  const media = await finalizedMedia(server.url, token, await clientId(server.url, token, 'cut@bench'), 1, 30_000);
  const recordedMs = media.reduce((sum, m) => sum + (m.duration_ms ?? 0), 0);
  return { recordings: media.length, capturedS: (stopAt - t0) / 1000, recordedS: recordedMs / 1000, lostS: (stopAt - t0 - recordedMs) / 1000, restoreToLiveS: (caughtUp - restoredAt) / 1000 };
}

const rows: Array<Record<string, string | number>> = [];
for (const source of ['screen', 'test'] as const) {
  for (const size of opts.sizes.split(',')) {
    const o = options(source, size);
    const alone = await ffmpegAlone(o);
    const agent = await agentUsage(o, size);
    rows.push({
      source: source === 'screen' ? 'x11grab (Xvfb 1920x1080)' : 'test picture',
      size,
      'ffmpeg alone %': round(alone),
      'agent: ffmpeg %': round(agent.ffmpeg),
      'agent: node %': round(agent.node),
      'overhead %': round(agent.ffmpeg + agent.node - alone),
      'node RSS median MB': round(agent.rssMedianMb),
      'node RSS max MB': round(agent.rssMaxMb),
    });
    console.log(rows.at(-1));
  }
}
const painted = await paintedLatency();
const latency = { ours: await oursLatency(), slices2s: await slicesLatency() };
const joins = await joinTimes(3);
const cut = await cutLoss();

console.log('\nCPU (% of one core over', SECONDS, 's, 10 fps, 1 Mbit/s) and the agent Node process RSS:');
console.table(rows);
console.log(`Live latency on the screen (painted clock), ms: painted → at the viewer, painted → on the agent's disk (ffmpeg), on disk → at the viewer (agent + server); ${painted.frames} frames, ${painted.unread} torn grabs left out:`);
console.table({ total: painted.total, ffmpeg: painted.ffmpeg, sending: painted.sending, 'paint interval (the error)': painted.paintGap });
console.log('Live latency on the test picture, capture → last byte at a watching dashboard (ms; upper bound: counted from ffmpeg spawn):');
console.table(Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, { frames: v.frames, p50: round(v.p50, 0), p95: round(v.p95, 0), max: round(v.max, 0) }])));
console.log(`p50 ratio (2-s slices / ours): ${round(latency.slices2s.p50 / latency.ours.p50, 1)}x`);
console.log('A viewer joins a desktop nobody watched: ms from `watch` to the first keyframe (a picture), and to the live-view recording\'s first keyframe:');
console.table(joins);
console.log(`A ${opts['cut-seconds']}-second network cut (recordings, captured s, recorded s, lost s = captured − recorded, restore → live again s):`);
console.table([Object.fromEntries(Object.entries(cut).map(([k, v]) => [k, round(v, 2)]))]);

await xvfb.stop();
await server.stop('SIGTERM');
fs.rmSync(work, { recursive: true, force: true });
process.exit(0);
