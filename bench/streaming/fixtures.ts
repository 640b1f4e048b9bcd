/**
 * The video the streaming benchmark sends: real VP8 WebM made by ffmpeg, written as a live recorder writes
 * it (no Cues, no duration), cached in bench/results (gitignored) so that later runs start at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runFfmpeg } from '../../packages/server/src/media/ffmpeg.js';
import { webmFile } from '@vaahshare/testkit/webm';

/** 640×360 at 15 fps with noise, so that the encoder really spends ~1 Mbit/s; a keyframe every 2 s. */
const CLIP = { fps: 15, gop: 30, size: '640x360', bitrate: '1000k', noisy: true, live: true } as const;

/** The clip every simulated agent streams; at least `seconds` long. */
export function sourceClip(dir: string, seconds: number): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  return webmFile({ seconds, ...CLIP, dir });
}

/**
 * A recording of `seconds` as an agent would have sent it: the clip repeated with its packets copied (no
 * re-encode, timestamps continue), written live-style like the clip.
 */
export async function longRecording(dir: string, clip: string, clipSeconds: number, seconds: number): Promise<string> {
  const file = path.join(dir, `${path.basename(clip, '.webm')}-x${seconds}s.webm`);
  if (fs.existsSync(file)) return file;
  const partial = `${file}.${process.pid}.part`;
  const loops = Math.ceil(seconds / clipSeconds) - 1;
  const result = await runFfmpeg([
    '-y', '-v', 'error', '-stream_loop', String(loops), '-i', clip, '-t', String(seconds),
    '-map', '0', '-c', 'copy', '-f', 'webm', '-live', '1', partial,
  ]);
  if (result.code !== 0) throw new Error(`ffmpeg could not make the ${seconds} s recording: ${result.stderrTail}`);
  fs.renameSync(partial, file);
  return file;
}
