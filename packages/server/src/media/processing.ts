import fs from 'node:fs';
import pLimit from 'p-limit';
import type { MediaRow } from '../db/schema.js';
import { createInFlight } from '../infra/in-flight.js';
import { FfmpegStopped, runFfmpeg, type FfmpegResult } from './ffmpeg.js';
import { mediaPaths } from './storage.js';
import { WebmScanner } from './webm-scanner.js';

type NoVideo<Status> = { status: Status; size: number; duration_ms: null; has_thumbnail: 0; error: string };

/** An outcome a row can hold: a finished video, or why there is none. */
export type StoredOutcome = { status: 'ready'; size: number; duration_ms: number | null; has_thumbnail: number; error: null } | NoVideo<'error'>;

/**
 * What finalizing produced, or why it could not. `empty`: not a byte, or a WebM header and nothing after it (a
 * recorder stopped before its first frame): no video at all, rather than video that cannot be read (`error`).
 */
export type ProcessingOutcome = StoredOutcome | NoVideo<'empty'>;

const failure = (size: number, error: string): ProcessingOutcome => ({ status: 'error', size, duration_ms: null, has_thumbnail: 0, error });
const empty = (size: number, error: string): ProcessingOutcome => ({ status: 'empty', size, duration_ms: null, has_thumbnail: 0, error });

export const NO_BYTES = 'The recording is empty: no video bytes were received';
export const NO_FRAME = 'The recording holds no video frame: it ends before its first frame';

/**
 * Whether a file is a WebM header with no Cluster after it: its element headers are WebM as far as they go (the
 * scanner finds nothing wrong), its Segment begins, and the first Cluster, where frames begin, never comes. Asked
 * only when ffmpeg found nothing: ffmpeg's own answer for such a file depends on its version (the bundled 2018
 * build fails to open it, "End of file"), and its failure looks like a corrupt file's.
 */
async function endsBeforeFirstFrame(file: string): Promise<boolean> {
  let clusterFound = false;
  const scanner = new WebmScanner({ onHeaderEnd: () => (clusterFound = true), onKeyCluster: () => undefined });
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    scanner.push(chunk);
    if (clusterFound || scanner.failed) break;
  }
  return scanner.inSegment && !clusterFound && !scanner.failed;
}

/** ffmpeg's `-progress` reports the output position in microseconds (named out_time_ms in older versions). */
function lastOutputTimeMs(progress: string): number | null {
  const matches = [...progress.matchAll(/^out_time_(?:ms|us)=(\d+)$/gm)];
  const last = matches.at(-1);
  return last ? Math.round(Number(last[1]) / 1000) : null;
}

async function makeThumbnail(video: string, thumbnail: string, durationMs: number | null, signal?: AbortSignal): Promise<boolean> {
  const at = Math.min(1, (durationMs ?? 0) / 2000).toFixed(2);
  const result = await runFfmpeg(['-y', '-v', 'error', '-ss', at, '-i', video, '-frames:v', '1', '-vf', 'scale=320:-2', '-q:v', '5', thumbnail], { signal });
  return result.code === 0 && fs.existsSync(thumbnail);
}

/**
 * What a remux starts from: the raw file; or, when a crash came after a finished remux removed it and before the
 * row said so, the finished file itself (remuxing it again yields the same file, and its duration).
 */
async function remuxSource(paths: ReturnType<typeof mediaPaths>): Promise<{ file: string; size: number } | null> {
  for (const file of [paths.raw, paths.final]) {
    const size = await fs.promises.stat(file).then((s) => s.size, () => 0);
    if (size > 0) return { file, size };
  }
  return null;
}

/**
 * Turns a raw recording into a seekable WebM with a duration (remux, no re-encode) and a thumbnail.
 * Never throws for a bad recording: a corrupt file ends as an `error` outcome with a reason, one with no frame at
 * all (no byte, or a header only) as `empty`. Stopped through `signal` (shutdown), it rejects with `FfmpegStopped`
 * and leaves the raw file as it was, to be done again.
 */
export async function finalizeRecording(dataDir: string, row: Pick<MediaRow, 'id' | 'company_id' | 'client_id'>, signal?: AbortSignal): Promise<ProcessingOutcome> {
  const paths = mediaPaths(dataDir, row);
  const source = await remuxSource(paths);
  if (!source) return empty(0, NO_BYTES);

  const partial = `${paths.final}.part`;
  // What a stopped or failed remux left is of no use.
  const removePartial = () => fs.promises.rm(partial, { force: true });
  const args = ['-y', '-v', 'error', '-nostats', '-progress', 'pipe:1', '-i', source.file, '-map', '0', '-c', 'copy', '-f', 'webm', partial];
  let remux: FfmpegResult;
  try {
    remux = await runFfmpeg(args, { signal });
  } catch (err) {
    await removePartial();
    throw err;
  }
  if (remux.code !== 0) {
    await removePartial();
    if (await endsBeforeFirstFrame(source.file)) return empty(source.size, NO_FRAME);
    return failure(source.size, `The recording could not be read as WebM (${remux.stderrTail || `ffmpeg exit ${remux.code}`})`);
  }
  const durationMs = lastOutputTimeMs(remux.stdout);
  await fs.promises.rename(partial, paths.final);
  const hasThumbnail = await makeThumbnail(paths.final, paths.thumbnail, durationMs, signal);
  if (!hasThumbnail && !durationMs) {
    if (await endsBeforeFirstFrame(source.file)) return empty(source.size, NO_FRAME);
    return failure(source.size, 'The recording holds no decodable video frame');
  }
  const size = (await fs.promises.stat(paths.final)).size;
  await fs.promises.rm(paths.raw, { force: true });
  return { status: 'ready', size, duration_ms: durationMs, has_thumbnail: hasThumbnail ? 1 : 0, error: null };
}

/** How many ffmpeg processes may run at once: the machine has to keep serving streams meanwhile. */
export const FFMPEG_CONCURRENCY = 2;

/**
 * Runs finalizing in child processes, at most `concurrency` at once, whatever the number of requests; each waits
 * for `room` first (a remux needs as much space again as the recording: on a full disk it would fail it).
 * `stop` (shutdown) kills the ffmpeg processes running and refuses what waits, each with `FfmpegStopped`, and
 * resolves once every one of them has exited: after it, nothing the queue started writes under DATA_DIR.
 */
export function createProcessingQueue(concurrency: number, room: () => Promise<void> = async () => {}) {
  const limit = pLimit(concurrency);
  const stopping = new AbortController();
  const stopped = new Promise<never>((_resolve, reject) => stopping.signal.addEventListener('abort', () => reject(new FfmpegStopped()), { once: true }));
  stopped.catch(() => undefined);
  const running = createInFlight();

  const run = (dataDir: string, row: Pick<MediaRow, 'id' | 'company_id' | 'client_id'>): Promise<ProcessingOutcome> =>
    running.track(
      limit(async () => {
        await Promise.race([room(), stopped]);
        if (stopping.signal.aborted) throw new FfmpegStopped();
        return finalizeRecording(dataDir, row, stopping.signal);
      }),
    );

  return {
    run,
    async stop() {
      stopping.abort();
      await running.settled();
    },
    get pending() {
      return limit.pendingCount + limit.activeCount;
    },
  };
}
