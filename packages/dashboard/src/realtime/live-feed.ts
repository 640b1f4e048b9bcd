import { currentSocket } from './socket';

export interface LiveChunk {
  segmentId: string;
  bytes: Uint8Array;
}

export interface LiveViewer {
  /** A segment starts: `bytes` is its WebM header. */
  init: (chunk: LiveChunk) => void;
  /** Bytes that follow the header, from a cluster a decoder can start at. */
  frame: (chunk: LiveChunk) => void;
  /** The server refused to show this client (another company's, or gone): its message. */
  refused: (message: string) => void;
}

const viewers = new Map<number, Set<LiveViewer>>();
let boundTo: unknown = null;

/** Asks the server for a client's stream; a refusal reaches that client's viewers. */
function askToWatch(socket: NonNullable<ReturnType<typeof currentSocket>>, clientId: number) {
  socket.emit('watch', { client_id: clientId }, (reply) => {
    if (!reply.ok) viewers.get(clientId)?.forEach((v) => v.refused(reply.message));
  });
}

const toBytes = (buffer: ArrayBuffer | Uint8Array) => (buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer));

/** Routes `stream-init` and `video-frame` of the tab's socket to whoever watches that client. */
function bindSocket() {
  const socket = currentSocket();
  if (!socket || boundTo === socket) return;
  boundTo = socket;
  socket.on('stream-init', ({ client_id, segment_id, buffer }) => {
    viewers.get(client_id)?.forEach((v) => v.init({ segmentId: segment_id, bytes: toBytes(buffer) }));
  });
  socket.on('video-frame', ({ client_id, segment_id, buffer }) => {
    viewers.get(client_id)?.forEach((v) => v.frame({ segmentId: segment_id, bytes: toBytes(buffer) }));
  });
  // After a reconnection the server has forgotten our watches: ask again, and viewers get a fresh stream-init.
  socket.on('connect', () => {
    for (const clientId of viewers.keys()) askToWatch(socket, clientId);
  });
}

/** Starts watching a client's live stream; the returned function stops (the last viewer sends `unwatch`). */
export function watchLive(clientId: number, viewer: LiveViewer): () => void {
  bindSocket();
  const set = viewers.get(clientId) ?? new Set();
  viewers.set(clientId, set);
  set.add(viewer);
  // Every new viewer needs a header: watching again replays it (and restarts the others at a keyframe).
  // While offline, the `connect` handler above asks once the socket is back.
  const socket = currentSocket();
  if (socket?.connected) askToWatch(socket, clientId);
  return () => {
    set.delete(viewer);
    if (set.size > 0) return;
    viewers.delete(clientId);
    currentSocket()?.emit('unwatch', { client_id: clientId });
  };
}
