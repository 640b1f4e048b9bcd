import type { TestSocket } from './harness.js';

/** Sends `data[from..to)` as `video-frame`s with offsets, waiting for each ack; returns the last acked offset. */
export async function sendFrames(socket: TestSocket, segmentId: string, data: Buffer, from: number, to = data.length, chunkSize = 16 * 1024) {
  let offset = from;
  while (offset < to) {
    const buffer = data.subarray(offset, Math.min(offset + chunkSize, to));
    const reply = await socket.timeout(5000).emitWithAck('video-frame', { buffer, segment_id: segmentId, offset });
    if (!reply.ok) throw new Error(`frame at ${offset} refused: ${reply.error} ${reply.message}`);
    offset = reply.offset;
  }
  return offset;
}

export async function startSegment(socket: TestSocket, segmentId?: string) {
  const reply = await socket.timeout(5000).emitWithAck('start-streaming', segmentId ? { segment_id: segmentId } : {});
  if (!reply.ok) throw new Error(`start-streaming refused: ${reply.error} ${reply.message}`);
  return reply;
}
