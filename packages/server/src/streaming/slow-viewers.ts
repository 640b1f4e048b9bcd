import type { FastifyBaseLogger } from 'fastify';
import type { Broadcast } from '../broadcast.js';
import type { Metrics } from '../infra/metrics.js';
import { runInBackground } from '../infra/background.js';
import type { AgentSocket } from '../sockets.js';

/** How often the dashboards' send queues are looked at. */
const CHECK_MS = 500;
/** A paused viewer is served again once its queue is down to this share of the limit. */
const RESUME_FRACTION = 1 / 8;

/**
 * Bytes a socket has not handed to the kernel yet: engine.io's queue (it holds packets while the transport
 * is still writing earlier ones) plus what ws holds. Neither library exposes a total, so this reads both.
 */
export function unsentBytes(socket: AgentSocket): number {
  const conn = socket.conn as unknown as { writeBuffer: Array<{ data?: unknown }>; transport: { socket?: { bufferedAmount?: number } } };
  let bytes = conn.transport.socket?.bufferedAmount ?? 0;
  for (const { data } of conn.writeBuffer) {
    bytes += typeof data === 'string' ? data.length : ArrayBuffer.isView(data) ? data.byteLength : 0;
  }
  return bytes;
}

interface SlowViewerOptions {
  broadcast: Pick<Broadcast, 'watchedBy' | 'pausedFor' | 'pause'>;
  maxUnsentBytes: number;
  metrics: Metrics;
  log: FastifyBaseLogger;
  /** Serves a paused viewer again as a late one (header, last keyframe cluster), then lets frames reach it. */
  resume: (socket: AgentSocket, clientId: number) => Promise<void>;
}

/**
 * A viewer on a link slower than the stream would make the server queue its frames in memory without end.
 * One whose queue passes the limit is paused: it stays a viewer (the agent keeps streaming) but frames skip
 * it — for every stream it watches, on whichever node the stream arrives. Once its queue has drained it is
 * served again from the last keyframe cluster, as a viewer joining late is: it misses a stretch, never decodes garbage.
 */
export function createSlowViewers(options: SlowViewerOptions) {
  const dashboards = new Set<AgentSocket>();
  const resumeBelow = options.maxUnsentBytes * RESUME_FRACTION;
  /** `socket id:client id` of the resumes under way (a catch-up can take longer than a check). */
  const resuming = new Set<string>();

  function resume(socket: AgentSocket, clientId: number) {
    const key = `${socket.id}:${clientId}`;
    if (resuming.has(key)) return;
    resuming.add(key);
    const done = options.resume(socket, clientId).finally(() => resuming.delete(key));
    runInBackground(options.log, 'resuming a live viewer', done);
  }

  function check(socket: AgentSocket) {
    const watched = options.broadcast.watchedBy(socket);
    if (!watched.length) return;
    const paused = options.broadcast.pausedFor(socket);
    const unsent = unsentBytes(socket);
    if (paused.length < watched.length && unsent > options.maxUnsentBytes) {
      options.metrics.viewersPaused.inc();
      options.log.warn({ socket: socket.id, unsent, clients: watched }, 'a live viewer falls behind: paused until it catches up');
      options.broadcast.pause(socket, watched);
    } else if (paused.length && unsent <= resumeBelow) {
      options.log.info({ socket: socket.id, clients: paused }, 'a paused live viewer caught up: served again from a keyframe');
      for (const clientId of paused) resume(socket, clientId);
    }
  }

  return {
    /** Looks after a dashboard socket for as long as it is connected. */
    track(socket: AgentSocket) {
      dashboards.add(socket);
      socket.on('disconnect', () => dashboards.delete(socket));
    },
    /** Starts looking; returns how to stop. */
    start() {
      const timer = setInterval(() => dashboards.forEach(check), CHECK_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
