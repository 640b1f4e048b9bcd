/**
 * A clock painted on the Xvfb screen, read back from the frames a viewer receives: the honest capture time of each
 * frame. Xvfb started with `-fbdir` keeps its screen memory in an XWD file; writing pixels into it changes what
 * x11grab grabs at once. Every few ms the clock writes the milliseconds since `origin` as a row of black and white
 * blocks (24 bits and an 8-bit check); a frame shows the last value written before its grab, so arrival − painted
 * time is the capture → viewer latency, over by at most one paint interval. A grab that tore the row between two
 * paints fails the check and is not counted.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';

const BITS = 32;
/** Block side on the 1920×1080 screen; the live view scales by 2/3 to 1280×720, where blocks stay 32 px. */
const BLOCK = 48;
const X0 = 96;
const Y0 = 96;
const PAINT_MS = 4;

const check = (v: number) => (v ^ (v >>> 8) ^ (v >>> 16)) & 0xff;
const word = (v: number) => ((v & 0xffffff) << 8) | check(v & 0xffffff);

/** Paints the clock into Xvfb's screen file until stopped. */
export function paintClock(screenFile: string, origin: number) {
  const fd = fs.openSync(screenFile, 'r+');
  const header = Buffer.alloc(100);
  fs.readSync(fd, header, 0, 100, 0);
  // XWD header: header_size, …, bytes_per_line (field 12), …, ncolors (field 19); 12 bytes per colormap entry.
  const bytesPerLine = header.readUInt32BE(48);
  const pixels = header.readUInt32BE(0) + header.readUInt32BE(76) * 12;
  const band = Buffer.alloc(bytesPerLine * BLOCK);
  /** Ms between paints: how much older than its grab a frame's painted time may be (the measure's error). */
  const gaps: number[] = [];
  let last = 0;
  const paint = () => {
    const now = Date.now();
    if (last) gaps.push(now - last);
    last = now;
    const w = word(now - origin) >>> 0;
    const line = band.subarray(0, bytesPerLine);
    for (let bit = 0; bit < BITS; bit++) line.fill((w >>> (BITS - 1 - bit)) & 1 ? 0xff : 0x00, (X0 + bit * BLOCK) * 4, (X0 + (bit + 1) * BLOCK) * 4);
    for (let row = 1; row < BLOCK; row++) line.copy(band, row * bytesPerLine);
    fs.writeSync(fd, band, 0, band.length, pixels + Y0 * bytesPerLine);
  };
  const timer = setInterval(paint, PAINT_MS);
  paint();
  return {
    gaps,
    stop: () => {
      clearInterval(timer);
      fs.closeSync(fd);
    },
  };
}

/**
 * The painted time (ms since `origin`) of each frame of a WebM file whose picture is the screen scaled by `scale`,
 * in stream order; null where the row did not read back (a torn grab).
 */
export async function readClock(ffmpeg: string, webm: string, scale: number): Promise<Array<number | null>> {
  const s = (n: number) => Math.round(n * scale);
  const [x, y, w, h, block] = [s(X0), s(Y0), s(BITS * BLOCK), s(BLOCK), BLOCK * scale];
  const { stdout } = await promisify(execFile)(
    ffmpeg,
    ['-loglevel', 'error', '-i', webm, '-vf', `crop=${w}:${h}:${x}:${y},format=gray`, '-vsync', '0', '-f', 'rawvideo', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 30 },
  );
  const frames: Array<number | null> = [];
  for (let at = 0; at + w * h <= stdout.length; at += w * h) {
    let v = 0;
    // Each block's centre, on the row's middle line.
    for (let bit = 0; bit < BITS; bit++) v = v * 2 + (stdout[at + Math.floor(h / 2) * w + Math.floor(bit * block + block / 2)] > 127 ? 1 : 0);
    const time = Math.floor(v / 256);
    frames.push(check(time) === v % 256 ? time : null);
  }
  return frames;
}
