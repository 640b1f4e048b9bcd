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
}

const viewers = new Map<number, Set<LiveViewer>>();
let boundTo: unknown = null;

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
    for (const clientId of viewers.keys()) socket.emit('watch', { client_id: clientId });
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
  if (socket?.connected) socket.emit('watch', { client_id: clientId });
  return () => {
    set.delete(viewer);
    if (set.size > 0) return;
    viewers.delete(clientId);
    currentSocket()?.emit('unwatch', { client_id: clientId });
  };
}
