import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { WebmFrameTimes } from '@vaahshare/testkit/webm-frames';

const run = promisify(execFile);

/**
 * Runs ffmpeg to its end (stdout into `stdoutFile` when given) and returns the CPU seconds it used, all threads,
 * as ffmpeg's `-benchmark` reports them from getrusage: exact to the end, where sampling /proc missed the last
 * fraction of a second.
 */
export async function ffmpegCpu(ffmpeg: string, args: string[], stdoutFile?: string): Promise<number> {
  const out = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'ignore';
  const child = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'info', '-nostats', '-benchmark', '-nostdin', ...args], { stdio: ['ignore', out, 'pipe'] });
  if (typeof out === 'number') fs.closeSync(out);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${code}): ${stderr}`);
  const bench = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  if (!bench) throw new Error(`no -benchmark line in ffmpeg's output: ${stderr.slice(-500)}`);
  return Number(bench[1]) + Number(bench[2]);
}

/**
 * SSIM (all planes) of `encoded` against the lossless `reference`, both on the same `fps` grid: the mean, and
 * each frame's (frame n is at n / fps seconds). An encoding of a smaller picture is scaled up to `size` first,
 * as a player shows it.
 */
export async function ssim(ffmpeg: string, encoded: string, reference: string, fps: number, size: { width: number; height: number }): Promise<{ mean: number; frames: number[] }> {
  const stats = `${encoded}.ssim.txt`;
  const graph = `[0:v]scale=${size.width}:${size.height}:flags=bicubic,fps=${fps},setpts=PTS-STARTPTS[a];[1:v]format=yuv420p,fps=${fps},setpts=PTS-STARTPTS[b];[a][b]ssim=stats_file=${stats}`;
  const { stderr } = await run(ffmpeg, ['-hide_banner', '-nostdin', '-i', encoded, '-i', reference, '-lavfi', graph, '-f', 'null', '-'], { maxBuffer: 64 * 1024 * 1024 });
  const match = /SSIM Y:.* All:([\d.]+)/.exec(stderr);
  if (!match) throw new Error(`no SSIM in ffmpeg's output: ${stderr.slice(-500)}`);
  const frames = [...fs.readFileSync(stats, 'utf8').matchAll(/All:([\d.]+)/g)].map((m) => Number(m[1]));
  return { mean: Number(match[1]), frames };
}

/** What the server does when a recording ends (media/processing.ts): a remux that makes it seekable. */
export const remux = (ffmpeg: string, raw: string, final: string) =>
  run(ffmpeg, ['-hide_banner', '-nostdin', '-y', '-v', 'error', '-i', raw, '-map', '0', '-c', 'copy', '-f', 'webm', final]);

/** A PNG of part of the frame shown at `atS` (to look at text at 100 %). */
export const cropFrame = (ffmpeg: string, video: string, atS: number, png: string, crop: string) =>
  run(ffmpeg, ['-hide_banner', '-nostdin', '-y', '-v', 'error', '-ss', atS.toFixed(2), '-i', video, '-frames:v', '1', '-vf', `crop=${crop}`, png]);

/**
 * Seek targets of a finished recording: the frame right before each keyframe (the most a seek decodes) and
 * moments spread evenly; at most `count` of each, seconds.
 */
export function seekTargets(file: string, count: number): number[] {
  const times = new WebmFrameTimes();
  times.push(fs.readFileSync(file), 0);
  const frames = times.frames;
  const last = frames.at(-1)?.ptsMs ?? 0;
  const beforeKeys = frames.filter((f, i) => frames[i + 1]?.key && f.ptsMs > 0).map((f) => f.ptsMs);
  const pick = (list: number[]) => (list.length <= count ? list : Array.from({ length: count }, (_, i) => list[Math.floor((i * list.length) / count)]));
  const even = Array.from({ length: count }, (_, i) => ((i + 0.5) * last) / count);
  return [...pick(beforeKeys), ...even].map((ms) => ms / 1000);
}

/** Milliseconds from setting `currentTime` to `seeked` (that frame decoded), for each target, in Chromium's <video>. */
export async function seekTimes(browser: Browser, file: string, targets: number[]): Promise<number[]> {
  const html = path.join(path.dirname(file), `${path.basename(file)}.html`);
  fs.writeFileSync(html, `<!doctype html><video muted preload="auto" src="${path.basename(file)}"></video>`);
  const page = await browser.newPage();
  try {
    await page.goto(pathToFileURL(html).href);
    return await page.evaluate(async (seconds) => {
      const video = document.querySelector('video')!;
      if (video.readyState < 1) await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
      const took: number[] = [];
      for (const t of seconds) {
        const start = performance.now();
        // `seeked`: the frame at the new position is decoded and can be shown.
        await new Promise<void>((resolve) => {
          video.addEventListener('seeked', () => resolve(), { once: true });
          video.currentTime = t;
        });
        took.push(performance.now() - start);
      }
      return took;
    }, targets);
  } finally {
    await page.close();
  }
}
