import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Media } from '@vaahshare/protocol';
import { api, login, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { WebmFrameTimes } from '@vaahshare/testkit/webm-frames';

/**
 * The media of one client, once every item is finalized (ready or error). Finalizing runs ffmpeg on each recording, one
 * after the other: on a loaded machine (the suite must pass at load average 8 on two cores) three took over 20 s in a
 * CI run, so the deadline is generous, and the API is asked five times a second, not a hundred, so as not to add to the
 * load it waits on.
 */
export async function finalizedMedia(url: string, token: string, clientId: number, count: number, timeoutMs = 60_000): Promise<Media[]> {
  let items: Media[] = [];
  await waitUntil(
    async () => {
      items = (await api(url, `/api/media?client_id=${clientId}`, { token })).body.data;
      return items.length >= count && items.every((m) => m.status === 'ready' || m.status === 'error');
    },
    timeoutMs,
    () => `${count} finalized media of client ${clientId} (there are ${items.length}: ${items.map((m) => m.status).join(', ') || 'none'})`,
    200,
  );
  return items;
}

export async function clientId(url: string, token: string, userHost: string): Promise<number> {
  const { body } = await api(url, `/api/clients?q=${encodeURIComponent(userHost)}`, { token });
  return body.data.find((c: { user_host: string }) => c.user_host === userHost).id;
}

export async function downloadVideo(url: string, token: string, media: Media): Promise<Buffer> {
  const res = await fetch(`${url}${media.video_url}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`video ${media.id}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Local recordings still waiting in an agent's data directory. */
export function spooledFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'spool');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((d) => fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith('.webm')).map((f) => path.join(root, d, f)));
}

/** Whether a running process holds `file` open (ffmpeg writes its segment through its stdout). */
function someProcessHolds(file: string): boolean {
  return fs.readdirSync('/proc').some((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === file);
    } catch {
      return false; // gone meanwhile, or not ours to read
    }
  });
}

/** The files under `dir` that a process holds open, deleted ones too (they read "<path> (deleted)"). */
export function filesHeldUnder(pid: number, dir: string): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      return target.startsWith(dir) ? [target] : [];
    } catch {
      return []; // closed meanwhile
    }
  });
}

/** Waits until no process holds the file open any more (the ffmpeg that wrote it exited). */
export async function writerGone(file: string, timeoutMs = 10_000) {
  await waitUntil(() => !someProcessHolds(file), timeoutMs, `the writer of ${file} to exit`);
}

/** A real server on a fresh database with the test admin logged in. */
export async function serverWithAdmin(): Promise<{ t: TestServer; token: string }> {
  const t = await startServer();
  return { t, token: await login(t.url) };
}

/** When the agent printed the first line matching `pattern`, by its own clock (each line starts with an ISO time). */
export function printedAt(output: string, pattern: RegExp): number {
  const line = output.split('\n').find((l) => pattern.test(l));
  const at = line ? Date.parse(line.slice(0, line.indexOf(' '))) : NaN;
  if (Number.isNaN(at)) throw new Error(`the agent printed no line matching ${pattern}:\n${output}`);
  return at;
}

/**
 * What a recording may lack of the time from the agent's "capturing" line to its quit: ffmpeg's start-up before
 * its first frame (the process, its libraries, the encoder) took up to 1.6 s on CI's loaded machine.
 */
const FFMPEG_START_UP_MS = 2_500;

/**
 * Asserts that a recording holds everything the agent captured from its first "capturing" line to its quit, measured
 * by the agent's own clock. Longer it cannot be by more than two frames (the last one's own length, and one more read
 * before ffmpeg sees its `q`); shorter by no more than ffmpeg's start-up. A lost minute, or a lost network cut, fails.
 */
export function assertRecordedWhole(durationMs: number, agentOutput: string, fps: number) {
  const captured = printedAt(agentOutput, /: finishing the recording and closing/) - printedAt(agentOutput, /capturing (a test picture|the screen) into/);
  const what = `recording ${durationMs} ms; ${captured} ms from the agent's "capturing" line to its quit`;
  assert.ok(durationMs <= captured + (2 * 1000) / fps, `${what}: longer than what was captured`);
  assert.ok(durationMs >= captured - FFMPEG_START_UP_MS, `${what}: some of it is missing`);
}

/** Waits until the segment being captured (the newest spool file) holds `ms` of video, whatever its bitrate. */
export async function capturedMs(dataDir: string, ms: number, timeoutMs = 30_000) {
  const recorded = () => {
    const newest = spooledFiles(dataDir).sort().at(-1);
    if (!newest || !fs.existsSync(newest)) return 0;
    const times = new WebmFrameTimes();
    times.push(fs.readFileSync(newest), 0);
    return times.frames.at(-1)?.ptsMs ?? 0;
  };
  await waitUntil(() => recorded() >= ms, timeoutMs, `${ms} ms of video in the segment being captured into ${dataDir}`);
}

/**
 * Waits until the agent's capture has written `bytes` more into its spool (files the agent deletes once the
 * server has them still count): capture going on is the event, not time passing.
 */
export async function capturedMore(dataDir: string, bytes: number, timeoutMs = 20_000) {
  const seen = new Map<string, number>();
  const total = () => {
    for (const file of spooledFiles(dataDir)) {
      const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
      seen.set(file, Math.max(seen.get(file) ?? 0, size));
    }
    return [...seen.values()].reduce((sum, size) => sum + size, 0);
  };
  const start = total();
  await waitUntil(() => total() >= start + bytes, timeoutMs, `${bytes} more bytes captured into ${dataDir}`);
}
