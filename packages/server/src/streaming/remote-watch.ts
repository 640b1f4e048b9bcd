import type { FastifyBaseLogger } from 'fastify';
import type { Broadcast } from '../broadcast.js';
import type { IoServer } from '../context.js';
import type { Streams } from './streams.service.js';
import type { Viewers } from './viewers.js';

/**
 * Watching a stream that arrives on another node. The dashboard's node asks the others; the node that
 * receives the stream sends the header and catch-up to the dashboard socket and joins it to the watch room,
 * all through the Redis stream, so the socket's node applies them in that order before any later frame.
 */
export function createRemoteWatch(io: IoServer, broadcast: Broadcast, streams: Streams, viewers: Viewers, options: { nodeId: string; log: FastifyBaseLogger }) {
  io.on('watch-request', ({ node_id, client_id, socket_id }, reply) => {
    streams
      .serveWatcher(client_id, {
        send: (event, buffer, segmentId) => broadcast.toSocket(socket_id).emit(event, { client_id, segment_id: segmentId, buffer }),
        join: () => {
          viewers.noteRemoteViewer(node_id, client_id);
          broadcast.watch(socket_id, client_id);
        },
        joinAnyway: false,
      })
      .then(reply, (err: unknown) => {
        options.log.error({ err, client_id }, 'serving a viewer of another node failed');
        reply(false);
      });
  });

  /** True when another node receives the client's stream and has joined the socket to it. */
  function watchElsewhere(clientId: number, socketId: string): Promise<boolean> {
    return new Promise((resolve) => {
      io.serverSideEmit('watch-request', { node_id: options.nodeId, client_id: clientId, socket_id: socketId }, (_err, served) => {
        // A node that does not answer in time (dead) receives no stream any more.
        resolve(served.some(Boolean));
      });
    });
  }

  return { watchElsewhere };
}
