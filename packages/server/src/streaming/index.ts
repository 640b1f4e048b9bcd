import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { every, runInBackground } from '../infra/background.js';
import type { SocketServer } from '../sockets.js';
import type { DiskFace } from '../disk/index.js';
import { listenToPresence } from './reactions.js';
import { createRemoteWatch } from './remote-watch.js';
import { segmentsRepository } from './segments.repository.js';
import { createSlowViewers } from './slow-viewers.js';
import { SegmentWrites } from './segment-writes.js';
import { STREAM_SWEEP_MS } from './stream-sweep.js';
import { createViewerServing, registerStreamingHandlers, registerWatchHandlers } from './streaming.socket.js';
import { createStreams } from './streams.service.js';
import { createViewers } from './viewers.js';

export type StreamingFace = ReturnType<typeof createStreamingFeature>;

/** Live segments: frames to disk and to viewers (on any node), slow viewers paused, recordings closed for finalizing. */
export function createStreamingFeature(ctx: AppContext, { io, clustered }: Pick<SocketServer, 'io' | 'clustered'>, { disk }: { disk: DiskFace }) {
  const { config, broadcast, log } = ctx;
  const writes = new SegmentWrites({
    mode: config.STREAM_WRITES,
    onSlowWrite: (tookMs) => log.warn({ tookMs: Math.round(tookMs) }, 'A recording write waited on the disk: recordings are written in the thread pool for a minute'),
  });
  const viewers = createViewers(io, broadcast, { nodeId: config.NODE_ID, clustered, log, companies: ctx.companies });
  const streams = createStreams({
    broadcast,
    clock: ctx.clock,
    repository: segmentsRepository(ctx.db),
    events: ctx.events,
    viewers,
    dataDir: config.DATA_DIR,
    nodeId: config.NODE_ID,
    fsyncMs: config.STREAM_FSYNC_MS,
    writes,
  });
  const remoteWatch = clustered ? createRemoteWatch(io, broadcast, streams, viewers, { nodeId: config.NODE_ID, log }) : null;
  const serveViewer = createViewerServing(streams, broadcast, remoteWatch?.watchElsewhere ?? null);
  const slowViewers = createSlowViewers({ broadcast, maxUnsentBytes: config.VIEWER_MAX_UNSENT_BYTES, metrics: ctx.metrics, log, resume: serveViewer });
  listenToPresence(ctx.events, streams, viewers);
  // The dashboards of nodes that are gone watch nothing any more.
  ctx.events.on('nodes-checked', ({ alive }) => viewers.retainNodes(alive));
  let stops: Array<() => void> = [];

  return {
    streams,
    onDashboard: (socket) => {
      slowViewers.track(socket);
      registerWatchHandlers(ctx, serveViewer, socket);
    },
    agentHandlers: (handlers) => registerStreamingHandlers(ctx, streams, disk, handlers),
    start: async () => {
      const networkFileSystem = config.STREAM_WRITES === 'auto' ? await disk.networkFileSystem() : null;
      if (networkFileSystem) {
        writes.alwaysInPool();
        log.info({ fileSystem: networkFileSystem }, 'DATA_DIR is on a network file system: recordings are written in the thread pool');
      }
      runInBackground(log, 'learning the other nodes\' viewers', viewers.syncFromOthers(2 * config.NODE_DEAD_AFTER_MS));
      stops = [every(log, 'stream sweep', STREAM_SWEEP_MS, () => streams.sweep()), slowViewers.start()];
    },
    stop: async () => stops.forEach((stop) => stop()),
    // Once sockets are closed: each file is closed after the frames still being written.
    drain: async () => void (await streams.closeAll()),
  } satisfies Feature & Record<string, unknown>;
}
