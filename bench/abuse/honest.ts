/**
 * Honest agents during the abuse run: each connects as this project's agent does, opens a segment and streams a
 * real WebM at its own bitrate (a chunk every 250 ms, one ack at a time, as the agent's uploader), and counts what
 * the server acknowledged, every refusal and every disconnect.
 */
import { io } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@vaahshare/protocol';
import type { Socket } from 'socket.io-client';
import { sleep } from '../presence/lib.js';

type AgentSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface HonestStats {
  userHost: string;
  acked: number;
  /** Bytes acknowledged within the flood window. */
  ackedDuringFlood: number;
  refusals: string[];
  /** Disconnects the agent did not ask for, with Socket.IO's reason each (the bench's own at the end is not one). */
  disconnects: number;
  disconnectReasons: string[];
  /** Longest time between two acks, in ms. */
  longestGapMs: number;
}

const CHUNK_MS = 250;

export function honestAgent(url: string, token: string, userHost: string, webm: Buffer, webmSeconds: number, flooding: () => boolean) {
  const stats: HonestStats = { userHost, acked: 0, ackedDuringFlood: 0, refusals: [], disconnects: 0, disconnectReasons: [], longestGapMs: 0 };
  const socket: AgentSocket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { app: 'agent' }, auth: { token } });
  socket.on('disconnect', (reason) => {
    if (reason === 'io client disconnect') return;
    stats.disconnects++;
    stats.disconnectReasons.push(reason);
  });
  const chunk = Math.ceil((webm.length / webmSeconds) * (CHUNK_MS / 1000));
  let stopped = false;

  async function run() {
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
    const hello = await socket.timeout(30_000).emitWithAck('client-connected', {
      machine_info: { user_host: userHost, username: userHost.split('@')[0], hostname: userHost.split('@')[1], platform: 'linux', operatingSystem: 'Linux 6.1' },
    });
    if (!hello.ok) throw new Error(`${userHost}: client-connected refused: ${hello.message}`);
    // Unique per agent: the honest agents start in the same millisecond, and a segment id names one client's segment.
    const segmentId = `${userHost.replace(/\W/g, "-")}-${Date.now()}`;
    const started = await socket.timeout(30_000).emitWithAck('start-streaming', { segment_id: segmentId });
    if (!started.ok) throw new Error(`${userHost}: start-streaming refused: ${started.message}`);
    let lastAck = performance.now();
    for (let offset = 0; offset < webm.length && !stopped && socket.connected; ) {
      const buffer = webm.subarray(offset, Math.min(offset + chunk, webm.length));
      const reply = await socket.timeout(30_000).emitWithAck('video-frame', { buffer, segment_id: segmentId, offset });
      const now = performance.now();
      stats.longestGapMs = Math.max(stats.longestGapMs, now - lastAck);
      lastAck = now;
      if (!reply.ok) {
        stats.refusals.push(reply.error);
        await sleep(reply.retry_after_ms ?? 1000);
        continue;
      }
      const taken = reply.offset - offset;
      stats.acked += taken;
      if (flooding()) stats.ackedDuringFlood += taken;
      offset = reply.offset;
      await sleep(CHUNK_MS);
    }
  }

  const done = run().catch((err: Error) => stats.refusals.push(`failed: ${err.message}`));
  return {
    stats,
    stop: async () => {
      stopped = true;
      await done;
      socket.disconnect();
    },
  };
}
