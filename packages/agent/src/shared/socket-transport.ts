import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@vaahshare/protocol';
import type { FrameReply, SegmentTransport } from './segment-uploader.js';

export type AgentSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long an ack may take before the connection is taken for dead (a frozen link sends no FIN). */
export const ACK_TIMEOUT_MS = 10_000;

class Disconnected extends Error {
  constructor() {
    super('not connected');
  }
}

/**
 * The streaming calls over a Socket.IO socket. Nothing is sent while disconnected: Socket.IO would
 * buffer it and deliver stale offsets after the reconnect.
 */
export function socketTransport(socket: AgentSocket, timeoutMs = ACK_TIMEOUT_MS): SegmentTransport {
  const call = async (send: (s: ReturnType<AgentSocket['timeout']>) => Promise<FrameReply>): Promise<FrameReply> => {
    if (!socket.connected) throw new Disconnected();
    return send(socket.timeout(timeoutMs));
  };
  return {
    start: (segmentId, startTime) => call((s) => s.emitWithAck('start-streaming', { segment_id: segmentId, start_time: startTime })),
    send: (segmentId, offset, bytes) => call((s) => s.emitWithAck('video-frame', { buffer: bytes, segment_id: segmentId, offset })),
    stop: (segmentId) => call((s) => s.emitWithAck('stop-streaming', { segment_id: segmentId })),
  };
}

/** Sends an event and waits for its ack, but never longer than `timeoutMs`; false when it did not arrive. */
export async function emitAndWait(socket: AgentSocket, event: 'app-closed', timeoutMs: number): Promise<boolean> {
  if (!socket.connected) return false;
  try {
    await socket.timeout(timeoutMs).emitWithAck(event);
    return true;
  } catch {
    return false;
  }
}
