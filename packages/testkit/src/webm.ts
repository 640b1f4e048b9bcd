import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFfmpeg } from '@vaahshare/server/ffmpeg';

export interface WebmOptions {
  seconds: number;
  fps?: number;
  /** Frames between keyframes. */
  gop?: number;
  size?: string;
  bitrate?: string;
  /** Adds noise so the picture does not compress: big packets, as a real 720p screen makes. */
  noisy?: boolean;
  /** Written as a live recorder does (MediaRecorder): no Cues, no duration, unknown Segment size. */
  live?: boolean;
  /** VP9 (as the agent encodes) instead of VP8. */
  vp9?: boolean;
  /** One Cluster per frame, as the agent's live stream while watched. */
  clusterPerFrame?: boolean;
  /** Where the file is cached (the system's temporary directory by default). */
  dir?: string;
}

/** A real VP8 (or VP9) WebM made by ffmpeg (a moving test picture), cached per options; returns its path. */
export async function webmFile({ seconds, fps = 10, gop = 10, size = '320x240', bitrate = '500k', noisy = false, live = false, vp9 = false, clusterPerFrame = false, dir = os.tmpdir() }: WebmOptions): Promise<string> {
  const variant = `${noisy ? '-noisy' : ''}${live ? '-live' : ''}${vp9 ? '-vp9' : ''}${clusterPerFrame ? '-cpf' : ''}`;
  const file = path.join(dir, `vaahshare-fixture-${seconds}s-${fps}fps-g${gop}-${size}-${bitrate}${variant}.webm`);
  if (!fs.existsSync(file)) {
    const partial = `${file}.${process.pid}.part`;
    const result = await runFfmpeg([
      '-y', '-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${fps}`, '-t', String(seconds),
      ...(noisy ? ['-vf', 'noise=alls=60:allf=t+u'] : []),
      '-c:v', vp9 ? 'libvpx-vp9' : 'libvpx', '-b:v', bitrate, '-g', String(gop), '-deadline', 'realtime', '-cpu-used', '8',
      '-f', 'webm', ...(live ? ['-live', '1'] : []), ...(clusterPerFrame ? ['-cluster_size_limit', '0'] : []), partial,
    ]);
    if (result.code !== 0) throw new Error(`ffmpeg could not make a test WebM: ${result.stderrTail}`);
    fs.renameSync(partial, file);
  }
  return file;
}

/** The bytes of a `webmFile`. */
export async function makeWebm(options: WebmOptions): Promise<Buffer> {
  return fs.readFileSync(await webmFile(options));
}

/** Decodes every frame of a file (or of bytes) and counts them; `errors` is what ffmpeg complained about. */
export async function decodeFrames(input: string | Buffer): Promise<{ frames: number; errors: string; code: number | null }> {
  let file = input as string;
  if (Buffer.isBuffer(input)) {
    file = path.join(os.tmpdir(), `vaahshare-decode-${process.pid}-${Date.now()}.webm`);
    fs.writeFileSync(file, input);
  }
  try {
    const result = await runFfmpeg(['-v', 'error', '-nostats', '-progress', 'pipe:1', '-i', file, '-f', 'null', '-']);
    const frames = [...result.stdout.matchAll(/^frame=(\d+)$/gm)].at(-1)?.[1];
    return { frames: Number(frames ?? 0), errors: result.stderrTail, code: result.code };
  } finally {
    if (Buffer.isBuffer(input)) fs.rmSync(file, { force: true });
  }
}

export function chunks(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}
