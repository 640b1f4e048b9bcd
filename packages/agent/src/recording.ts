import { Capture, type CaptureTools } from './capture/capture.js';
import type { CaptureOptions, EncodeMode } from './capture/capture-args.js';
import { FileSource } from './spool/file-source.js';
import type { LocalSegment, SegmentMeta, Spool } from './spool/spool.js';

/** A segment being captured now: its ffmpeg and its growing file. */
export interface Recording {
  segment: LocalSegment;
  capture: Capture;
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
