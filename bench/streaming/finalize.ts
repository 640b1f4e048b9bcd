/**
 * Finalizing a long recording with the server's own code (`finalizeRecording`: remux to a seekable WebM
 * with a duration, then a thumbnail), against a baseline that only writes the same bytes with a plain file
 * append — in the same chunks the agents send — to the file finalizing then starts from.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFfmpeg } from '../../packages/server/src/media/ffmpeg.js';
import { finalizeRecording, type ProcessingOutcome } from '../../packages/server/src/media/processing.js';
import { ensureMediaDir, mediaPaths } from '../../packages/server/src/media/storage.js';
import { median, round } from '../presence/lib.js';

const CUES_ID = Buffer.from([0x1c, 0x53, 0xbb, 0x6b]);
const DURATION_ID = Buffer.from([0x44, 0x89]);
/** ffmpeg writes the Cues after the last cluster and the Info (with Duration) near the start. */
const TAIL_BYTES = 8 * 1024 * 1024;
const HEAD_BYTES = 64 * 1024;

export interface FinalizeResult {
  recordingSeconds: number;
  bytes: number;
  appendMs: number[];
  finalizeMs: number[];
  ratio: number;
  outcome: ProcessingOutcome;
  /** The final file has Cues (a seek index) and a Duration; a frame 5/6 into it decodes, and how fast. */
  seekable: { cues: boolean; duration: boolean; seekDecodeMs: number; seekDecodeOk: boolean };
}

function plainAppend(file: string, bytes: Buffer, chunkBytes: number) {
  const fd = fs.openSync(file, 'a');
  try {
    for (let at = 0; at < bytes.length; at += chunkBytes) fs.writeSync(fd, bytes, at, Math.min(chunkBytes, bytes.length - at));
  } finally {
    fs.closeSync(fd);
  }
}

function readRange(file: string, from: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const read = fs.readSync(fd, buffer, 0, length, from);
    return buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

async function checkSeekable(file: string, seconds: number): Promise<FinalizeResult['seekable']> {
  const size = fs.statSync(file).size;
  const tail = readRange(file, Math.max(0, size - TAIL_BYTES), TAIL_BYTES);
  const head = readRange(file, 0, HEAD_BYTES);
  const t0 = performance.now();
  const seek = await runFfmpeg(['-v', 'error', '-ss', String(Math.round((seconds * 5) / 6)), '-i', file, '-frames:v', '1', '-f', 'null', '-']);
  return {
    cues: tail.includes(CUES_ID),
    duration: head.includes(DURATION_ID),
    seekDecodeMs: round(performance.now() - t0),
    seekDecodeOk: seek.code === 0 && seek.stderrTail === '',
  };
}

/** Appends then finalizes the recording `trials` times; each time from a fresh data directory. */
export async function measureFinalize(recording: string, recordingSeconds: number, chunkBytes: number, trials: number, log: (...parts: unknown[]) => void): Promise<FinalizeResult> {
  const bytes = fs.readFileSync(recording);
  const row = { id: 1, company_id: 1, client_id: 1 };
  const appendMs: number[] = [];
  const finalizeMs: number[] = [];
  let outcome: ProcessingOutcome | undefined;
  let seekable: FinalizeResult['seekable'] | undefined;
  for (let trial = 1; trial <= trials; trial++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaahshare-bench-finalize-'));
    try {
      const { raw, final } = await ensureMediaDir(dataDir, row);
      const t0 = performance.now();
      plainAppend(raw, bytes, chunkBytes);
      const t1 = performance.now();
      outcome = await finalizeRecording(dataDir, row);
      const t2 = performance.now();
      appendMs.push(round(t1 - t0));
      finalizeMs.push(round(t2 - t1));
      log(`finalize ${trial}/${trials}: append ${round(t1 - t0)} ms, finalize ${round(t2 - t1)} ms → ${outcome.status} (${outcome.duration_ms} ms of video)`);
      if (outcome.status !== 'ready') throw new Error(`finalizing failed: ${outcome.error}`);
      seekable ??= await checkSeekable(final, recordingSeconds);
      if (!fs.existsSync(mediaPaths(dataDir, row).thumbnail)) throw new Error('finalizing made no thumbnail');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return {
    recordingSeconds,
    bytes: bytes.length,
    appendMs,
    finalizeMs,
    ratio: round(median(finalizeMs) / median(appendMs), 2),
    outcome: outcome!,
    seekable: seekable!,
  };
}
