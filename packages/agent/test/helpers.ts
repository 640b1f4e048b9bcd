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

/**
 * Waits for the capture's first bytes on disk and returns when they came: ffmpeg writes the WebM header once the
 * first frame reaches its encoder, so this is the moment of the recording's time zero. The agent's log line comes
 * at the spawn, earlier by ffmpeg's start-up, which is most of a second on a loaded machine.
 */
export async function captureBegan(dataDir: string, timeoutMs = 20_000): Promise<number> {
  const written = () => spooledFiles(dataDir).some((file) => fs.existsSync(file) && fs.statSync(file).size > 0);
  await waitUntil(written, timeoutMs, `the first bytes captured into ${dataDir}`);
  return Date.now();
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
