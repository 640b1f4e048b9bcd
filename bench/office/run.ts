/**
 * Office workload benchmark (issue 20), run under `flock /tmp/vaahshare-bench.lock npm run bench:office`:
 *
 * 1. A scripted office session on a 1280×720 Xvfb display (workload.ts: two headed Chromium windows — typing into
 *    a document, scrolling a long page, switching between them, a clip playing in a corner, idle stretches), the
 *    same every run: ten minutes, or `--minutes N` for a proportionally shorter one.
 * 2. Alongside it a lossless reference capture (x11grab → FFV1) and two real agents streaming to a real server,
 *    nobody watching: today's (the agent's sources at `--today-ref`, before issue 20) and this checkout's (the
 *    server's default preset, "balanced"): CPU of each (Node + its ffmpeg, % of one core over the session) and the
 *    MB per desktop-hour the server stored.
 * 3. Every encoder setting (encoders.ts) over the reference: MB per desktop-hour after the server's remux, SSIM
 *    against the reference, the encoder's CPU (decoding the reference and the setting's own filters subtracted) and
 *    seek times in Chromium.
 *    A cropped frame of the reference and of each setting is written as PNG (`--frames`).
 * 4. The share page's MediaRecorder settings, before issue 20 and now, recording Chromium's fake screen for 60 s.
 *
 *   npm run bench:office -- [--minutes 10] [--only today,balanced] [--keep DIR] [--reference DIR] [--frames DIR]
 *                           [--today-ref 960e17a] [--also-ref REF] [--ffmpeg PATH] [--no-agents] [--no-replay]
 *
 * `--also-ref REF` runs a third agent, at REF's sources (e.g. the presets of an earlier commit); `--no-replay` stops
 * after the session (keep it with `--keep DIR`, replay it later with `--reference DIR`), to split a long run.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { findFfmpeg } from '../../packages/agent/src/capture/ffmpeg-binary.js';
import { clientId, downloadVideo, finalizedMedia } from '../../packages/agent/test/helpers.js';
import { startXvfb } from '../../packages/agent/test/xvfb.js';
import { login, tempDir, testEnv } from '@vaahshare/testkit';
import { freePort, spawnServer } from '@vaahshare/testkit/process';
import { percentile, round } from '../presence/lib.js';
import { makeAssets } from './assets.js';
import { openDesktop } from './desktop.js';
import { encoderSettings, SIZE } from './encoders.js';
import { agentAt, CURRENT_AGENT, startAgent, type LiveAgent } from './live-agents.js';
import { RECORDER } from '../../packages/agent/web/recorder-options.js';
import { RECORDER_BEFORE, shareRecorderSizes } from './share-recorder.js';
import { cropFrame, ffmpegCpu, remux, seekTargets, seekTimes, ssim } from './measure.js';
import { runWorkload, type PhaseMark } from './workload.js';

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    only: { type: 'string' },
    keep: { type: 'string' },
    reference: { type: 'string' },
    frames: { type: 'string', default: 'bench/results/office' },
    'today-ref': { type: 'string', default: '960e17a' },
    'also-ref': { type: 'string' },
    ffmpeg: { type: 'string' },
    'no-agents': { type: 'boolean', default: false },
    'no-replay': { type: 'boolean', default: false },
  },
});
const FFMPEG = opts.ffmpeg ?? findFfmpeg(process.env.PATH ?? '');
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const mbPerHour = (bytes: number, seconds: number) => bytes / 1e6 / (seconds / 3600);

interface Session {
  seconds: number;
  marks: PhaseMark[];
  load: { start: string; end: string };
  agents: Array<Record<string, string | number>>;
}

/** The live session: workload, reference capture and the two real agents. Writes `ref.mkv` and `session.json` in `dir`. */
async function liveSession(dir: string): Promise<Session> {
  const assets = await makeAssets(path.join(dir, 'assets'), FFMPEG);
  const xvfb = await startXvfb('1280x720');
  const server = opts['no-agents'] ? null : await spawnServer(testEnv(path.join(dir, 'server'), { PORT: String(await freePort()), LOG_LEVEL: 'warn' }));
  const desk = await openDesktop(xvfb.display, assets);
  const agents: LiveAgent[] = server
    ? [
        startAgent('today', agentAt(opts['today-ref']), server.url, xvfb.display, path.join(dir, 'agent-today')),
        startAgent('balanced', CURRENT_AGENT, server.url, xvfb.display, path.join(dir, 'agent-balanced')),
        ...(opts['also-ref'] ? [startAgent(`at-${opts['also-ref']}`, agentAt(opts['also-ref']), server.url, xvfb.display, path.join(dir, 'agent-also'))] : []),
      ]
    : [];
  for (const agent of agents) await agent.waitFor(/connected to/);
  const reference = spawn(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'x11grab', '-framerate', String(SIZE.fps), '-video_size', '1280x720', '-draw_mouse', '1',
    '-i', xvfb.display, '-c:v', 'libx264rgb', '-preset', 'ultrafast', '-qp', '0', '-y', path.join(dir, 'ref.mkv')], { stdio: ['pipe', 'ignore', 'inherit'] });
  const loadStart = load();
  const cpuBefore = agents.map((a) => a.cpu());
  const started = Date.now();
  log(`session of ${opts.minutes} min on ${xvfb.display} (load ${loadStart})`);
  const marks = await runWorkload(desk, Number(opts.minutes) * 60, log);
  const seconds = (Date.now() - started) / 1000;
  const cpuAfter = agents.map((a) => a.cpu());
  const loadEnd = load();
  reference.stdin!.end('q');
  await new Promise((resolve) => reference.once('exit', resolve));
  for (const agent of agents) await agent.stop();
  const rows: Session['agents'] = [];
  // What the server stored, per hour of what it recorded (each started a little before the session).
  const stored = async (userHost: string) => {
    const token = await login(server!.url);
    const [media] = await finalizedMedia(server!.url, token, await clientId(server!.url, token, userHost), 1, 120_000);
    fs.writeFileSync(path.join(dir, `live-${userHost.split('@')[0]}.webm`), await downloadVideo(server!.url, token, media));
    return { 'MB / desktop-hour': round(mbPerHour(media.size, media.duration_ms! / 1000), 1), 'recorded s': round(media.duration_ms! / 1000, 1) };
  };
  for (const [i, agent] of agents.entries()) {
    const node = ((cpuAfter[i].node - cpuBefore[i].node) / seconds) * 100;
    const ffmpeg = ((cpuAfter[i].ffmpeg - cpuBefore[i].ffmpeg) / seconds) * 100;
    rows.push({ agent: agent.name, 'node %': round(node), 'ffmpeg %': round(ffmpeg), 'agent %': round(node + ffmpeg), ...(await stored(agent.userHost)) });
  }
  await desk.close();
  await xvfb.stop();
  await server?.stop('SIGTERM');
  const session: Session = { seconds, marks, load: { start: loadStart, end: loadEnd }, agents: rows };
  fs.writeFileSync(path.join(dir, 'session.json'), JSON.stringify(session, null, 2));
  return session;
}

/** Each encoder setting over the reference: size, quality, CPU, seeking; a cropped frame of each. */
async function replay(dir: string, session: Session) {
  const ref = path.join(dir, 'ref.mkv');
  const only = opts.only?.split(',');
  const settings = encoderSettings().filter((s) => !only || only.includes(s.name));
  const typedUntil = session.marks.find((m) => m.kind === 'type')!.endS;
  const cropAt = Math.max(0, typedUntil - 2);
  const crop = '640:360:240:300';
  fs.mkdirSync(opts.frames, { recursive: true });
  await cropFrame(FFMPEG, ref, cropAt, path.join(opts.frames, 'reference.png'), crop);
  // Decoding the reference and a setting's own filters (frame rate, scaling, dropped frames) to nowhere: subtracted
  // from its encode, so that what remains is the encoder's. One baseline for all, taken at 10 fps, was more than a
  // 2–3 fps encode's whole ffmpeg (its filters see a third of the frames), and the figure came out negative.
  const filterCpu = new Map<string, Promise<number>>();
  const baseline = (filters: string) => filterCpu.get(filters) ?? filterCpu.set(filters, ffmpegCpu(FFMPEG, ['-i', ref, '-an', '-vf', filters, '-f', 'null', '-'])).get(filters)!;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'] });
  const rows: Array<Record<string, string | number>> = [];
  for (const setting of settings) {
    log(`encoding "${setting.name}" (load ${load()})`);
    const raw = path.join(dir, `${setting.name}.raw.webm`);
    const final = path.join(dir, `${setting.name}.webm`);
    const cpu = await ffmpegCpu(FFMPEG, ['-i', ref, '-an', '-vf', setting.filters, ...setting.encoder, 'pipe:1'], raw);
    const decodeCpu = await baseline(setting.filters);
    await remux(FFMPEG, raw, final);
    const size = fs.statSync(final).size;
    const quality = await ssim(FFMPEG, final, ref, SIZE.fps, SIZE);
    const seeks = await seekTimes(browser, final, seekTargets(final, 15));
    await cropFrame(FFMPEG, final, cropAt, path.join(opts.frames, `${setting.name}.png`), crop);
    rows.push({
      setting: setting.name,
      what: setting.what,
      'MB / desktop-hour': round(mbPerHour(size, session.seconds), 1),
      SSIM: round(quality.mean, 4),
      'SSIM worst phase': worstPhase(quality.frames, session.marks),
      'encode CPU %': round(((cpu - decodeCpu) / session.seconds) * 100),
      'decode + filters CPU %': round((decodeCpu / session.seconds) * 100),
      'seek p50 ms': round(percentile(seeks, 50), 0),
      'seek max ms': round(Math.max(...seeks), 0),
    });
    console.log(rows.at(-1));
  }
  await browser.close();
  return rows;
}

/** The lowest mean SSIM of any phase of the session, and which (typing, reading… each counted on its own). */
function worstPhase(frames: number[], marks: PhaseMark[]): string {
  const phases = marks.map((m) => {
    const own = frames.slice(Math.round(m.startS * SIZE.fps), Math.round(m.endS * SIZE.fps));
    return { kind: m.kind, mean: own.reduce((a, b) => a + b, 0) / Math.max(1, own.length) };
  });
  const worst = phases.reduce((a, b) => (b.mean < a.mean ? b : a));
  return `${round(worst.mean, 4)} (${worst.kind})`;
}

/** What this ffmpeg build offers for the choice (AV1 needs a realtime mode to be a candidate). */
function buildReport(): string {
  const version = execFileSync(FFMPEG, ['-hide_banner', '-version']).toString().split('\n')[0];
  const encoders = execFileSync(FFMPEG, ['-hide_banner', '-encoders']).toString();
  const aom = encoders.includes('libaom-av1') ? execFileSync(FFMPEG, ['-hide_banner', '-h', 'encoder=libaom-av1']).toString() : '';
  const av1 = [
    aom && (/-usage\b/.test(aom) ? 'libaom-av1 with realtime usage' : 'libaom-av1 without a realtime mode (no -usage)'),
    encoders.includes('libsvtav1') && 'libsvtav1',
  ].filter(Boolean);
  return `${version}\n  VP8: ${encoders.includes(' libvpx ')}, VP9: ${encoders.includes('libvpx-vp9')}, AV1: ${av1.join(', ') || 'none'}`;
}

const dir = opts.reference ?? opts.keep ?? tempDir('vaahshare-bench-office-');
fs.mkdirSync(dir, { recursive: true });
console.log(buildReport());
const session: Session = opts.reference ? JSON.parse(fs.readFileSync(path.join(dir, 'session.json'), 'utf8')) : await liveSession(dir);
const rows = opts['no-replay'] ? [] : await replay(dir, session);
if (!opts['no-replay']) log('the share page\'s MediaRecorder, before and now, on Chromium\'s fake screen');
const shareRows = opts['no-replay'] ? [] : await shareRecorderSizes([RECORDER_BEFORE, { name: 'share page now', ...RECORDER }], 60, dir);

console.log(`\nOffice session: ${round(session.seconds, 0)} s at 1280×720, ${SIZE.fps} fps (load ${session.load.start} → ${session.load.end}); phases:`);
console.log(session.marks.map((m) => `${m.kind} ${round(m.startS, 0)}–${round(m.endS, 0)} s`).join(', '));
if (session.agents.length) {
  console.log('Real agents during the session, nobody watching (CPU: % of one core over the session; size: what the server stored):');
  console.table(session.agents);
}
if (rows.length) {
  console.log(`Encoder settings over the lossless reference (crops in ${opts.frames}/):`);
  console.table(rows);
}
if (shareRows.length) {
  console.log("The share page's MediaRecorder on Chromium's fake screen, 60 s (not the office session: Chromium cannot capture the Xvfb screen here):");
  console.table(shareRows);
}
if (!opts.keep && !opts.reference) fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
