import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { sleep, type TestSocket } from './harness.js';

/**
 * Sends `data[from..to)` as `video-frame`s with offsets, waiting for each ack (and `paceMs` after it, as a
 * recorder's pace rather than a flood); returns the last acked offset. The pace is a wait on real time on
 * purpose: it is the input where the thing tested runs on the server's own timer (the slow-viewer check).
 */
export async function sendFrames(socket: TestSocket, segmentId: string, data: Buffer, from: number, to = data.length, chunkSize = 16 * 1024, paceMs = 0) {
  let offset = from;
  while (offset < to) {
    const buffer = data.subarray(offset, Math.min(offset + chunkSize, to));
    const reply = await socket.timeout(5000).emitWithAck('video-frame', { buffer, segment_id: segmentId, offset });
    if (!reply.ok) throw new Error(`frame at ${offset} refused: ${reply.error} ${reply.message}`);
    offset = reply.offset;
    if (paceMs) await sleep(paceMs);
  }
  return offset;
}

export async function startSegment(socket: TestSocket, segmentId?: string) {
  const reply = await socket.timeout(5000).emitWithAck('start-streaming', segmentId ? { segment_id: segmentId } : {});
  if (!reply.ok) throw new Error(`start-streaming refused: ${reply.error} ${reply.message}`);
  return reply;
}

/** The TCP connection under a client socket: `pause()` stops reading it, as a viewer on a link too slow for the stream. */
export function tcpOf(socket: TestSocket): Socket {
  return (socket.io.engine.transport as unknown as { ws: WebSocket & { _socket: Socket } }).ws._socket;
}

/** What a viewer receives, split at each `stream-init` (each one starts a fresh stream for the player). */
export function recordStreams(socket: TestSocket) {
  const runs: Array<{ init: Buffer; frames: Buffer[] }> = [];
  socket.on('stream-init', (p) => runs.push({ init: Buffer.from(p.buffer), frames: [] }));
  socket.on('video-frame', (p) => runs.at(-1)?.frames.push(Buffer.from(p.buffer)));
  return runs;
}
