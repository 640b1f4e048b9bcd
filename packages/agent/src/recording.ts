import path from 'node:path';
import { Capture, type CaptureTools } from './capture/capture.js';
import type { CaptureOptions, EncodeMode } from './capture/capture-args.js';
import { FileSource } from './spool/file-source.js';
import type { LocalSegment, SegmentMeta, Spool } from './spool/spool.js';

/** A segment being captured now: its ffmpeg and its growing file. */
export interface Recording {
  segment: LocalSegment;
  capture: Pick<Capture, 'exited' | 'stopRequested' | 'stop'>;
  source: FileSource;
}

export function startRecording(spool: Spool, kind: SegmentMeta['mode'], options: CaptureOptions, encode: EncodeMode, tools: CaptureTools): Recording {
  const segment = spool.create(kind);
  const capture = new Capture(options, encode, segment.file, tools);
  return { segment, capture, source: new FileSource(segment.file) };
}

/** Ends the capture; the file then holds the whole segment. */
export async function finishRecording(recording: Recording) {
  await recording.capture.stop();
  recording.source.finish();
}

/** No recording at all: the agent started outside its monitoring hours. Nothing in the spool, nothing to send. */
export function noRecording(spool: Spool): Recording {
  const segment: LocalSegment = { id: 'none', mode: 'live', name: 'none', started_at: Date.now(), file: path.join(spool.dir, 'none.webm') };
  const source = new FileSource(segment.file);
  source.finish();
  return { segment, capture: { exited: new Promise(() => undefined), stopRequested: true, stop: async () => undefined }, source };
}
