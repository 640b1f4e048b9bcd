import type { Media } from '@vaahshare/protocol';
import { formatDuration, formatSpan } from './format';

type RecordingTimes = Pick<Media, 'status' | 'started_at' | 'ended_at'>;

export const isRecording = (media: RecordingTimes) => media.status === 'recording';

/** How long a recording lasts, or has lasted so far while it is still being made. */
export function recordingLength(media: RecordingTimes & Pick<Media, 'duration_ms'>, now: number): string {
  if (isRecording(media)) return formatDuration(Math.max(0, now - Date.parse(media.started_at)));
  return formatDuration(media.duration_ms);
}

/**
 * What a person calls a recording: whose it is and when ("alice@pc-17 · Tue 1 Dec 14:03–14:33"); one still
 * being made has no end yet. Its segment id is a detail for whoever needs to find the file.
 */
export function recordingTitle(media: RecordingTimes, clientName: string | null, locale?: string): string {
  const span = formatSpan(media.started_at, isRecording(media) ? null : media.ended_at, locale);
  return clientName ? `${clientName} · ${span}` : span;
}
