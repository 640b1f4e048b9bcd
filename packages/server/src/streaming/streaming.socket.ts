import { startStreamingSchema, stopStreamingSchema, videoFrameSchema, watchSchema } from '@vaahshare/protocol';
import { canSeeClient, requirePermission } from '../access/index.js';
import type { Broadcast } from '../broadcast.js';
import type { DiskFace } from '../disk/index.js';
import type { AppContext } from '../context.js';
import { AppError, badRequest, notFound } from '../errors.js';
import { socketActor } from '../auth/index.js';
import { runInBackground } from '../infra/background.js';
import type { SocketHandlers } from '../infra/socket-handler.js';
import { connectionOf } from '../presence/index.js';
import type { AgentSocket } from '../sockets.js';
import { trackLiveViews } from './live-views.js';
import type { StreamingConnection, Streams } from './streams.service.js';

function streamingConnectionOf(socket: AgentSocket): StreamingConnection {
  const connection = connectionOf(socket);
  if (!connection) throw badRequest('Send client-connected first');
  const { clientId, generation, companyId, userHost } = connection;
  return { clientId, generation, companyId, userHost, legacy: socket.data.legacy };
}

const toBuffer = (data: Uint8Array | ArrayBuffer) =>
  data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** The disk's guard of new video: refused while DATA_DIR is short of space, and a write that finds it full. */
export type VideoGuard = Pick<DiskFace, 'requireRoom' | 'writing'>;

export function registerStreamingHandlers(ctx: AppContext, streams: Streams, disk: VideoGuard, handlers: SocketHandlers) {
  handlers.onAgent('start-streaming', startStreamingSchema, async (socket, payload) => {
    const connection = streamingConnectionOf(socket);
    return { ok: true, ...(await streams.start(connection, connection.legacy ? undefined : payload.segment_id)) };
  });

  handlers.onAgent('video-frame', videoFrameSchema, async (socket, payload) => {
    const buffer = toBuffer(payload.buffer);
    if (buffer.length > ctx.config.MAX_FRAME_BYTES) {
      throw new AppError('too_large', `A frame may hold at most ${ctx.config.MAX_FRAME_BYTES} bytes: send smaller chunks`, 413);
    }
    if (buffer.length === 0) throw badRequest('Invalid video-frame payload: buffer is empty');
    const connection = streamingConnectionOf(socket);
    // Never acknowledged while the disk is short of space: the agent keeps the bytes and sends them again.
    disk.requireRoom();
    // The original client sends neither segment ids nor offsets; ignore whatever it sends.
    const frame = connection.legacy ? { buffer } : { buffer, segment_id: payload.segment_id, offset: payload.offset };
    return { ok: true, offset: await disk.writing(() => streams.frame(connection, frame)) };
  });

  handlers.onAgent('stop-streaming', stopStreamingSchema, async (socket, payload) => {
    const connection = streamingConnectionOf(socket);
    await streams.stop(connection, connection.legacy ? undefined : payload.segment_id);
  });
}

/** Asks the other nodes to serve a viewer of a stream they receive (absent on a single node). */
export type WatchElsewhere = (clientId: number, socketId: string) => Promise<boolean>;

/**
 * Serves a dashboard socket a client's stream: its header and last keyframe cluster, then live frames —
 * from this node, or from the node receiving it. Also how a paused viewer is served again.
 */
export function createViewerServing(streams: Streams, broadcast: Pick<Broadcast, 'watch'>, watchElsewhere: WatchElsewhere | null) {
  return async function serveViewer(socket: AgentSocket, clientId: number) {
    const join = () => broadcast.watch(socket, clientId);
    const servedHere = await streams.serveWatcher(clientId, {
      send: (event, buffer, segmentId) => socket.emit(event, { client_id: clientId, segment_id: segmentId, buffer }),
      join,
      joinAnyway: !watchElsewhere,
    });
    if (servedHere || !watchElsewhere) return;
    // Not streaming here: the node receiving the stream serves and joins the socket; nobody: wait in the room.
    if (!(await watchElsewhere(clientId, socket.id))) join();
  };
}

export type ServeViewer = ReturnType<typeof createViewerServing>;

export function registerWatchHandlers(ctx: AppContext, serveViewer: ServeViewer, socket: AgentSocket) {
  const { handlers } = ctx;
  const liveViews = trackLiveViews(ctx, socketActor(socket, ctx.config.TRUST_PROXY), socket.data.companyId!);
  socket.on('disconnect', () => runInBackground(ctx.log, 'recording the end of live views', liveViews.closeAll()));

  handlers.on(socket, 'watch', watchSchema, async ({ client_id }) => {
    const access = socket.data.access!;
    requirePermission(access, 'live:watch');
    const client = await ctx.db.selectFrom('clients').select(['company_id', 'user_host', 'group_id']).where('id', '=', client_id).executeTakeFirst();
    // Another company's client, or one outside a viewer's groups, is reported as missing: a dashboard learns nothing of it.
    if (!client || client.company_id !== socket.data.companyId || !canSeeClient(access, client)) throw notFound(`Client ${client_id}`);
    await serveViewer(socket, client_id);
    await liveViews.started(client_id, client.user_host);
  });

  handlers.on(socket, 'unwatch', watchSchema, async ({ client_id }) => {
    await ctx.broadcast.unwatch(socket, client_id);
    await liveViews.ended(client_id);
  });
}
