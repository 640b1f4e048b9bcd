/**
 * A worker process of the streaming benchmark. It holds a share of the simulated streams; each is an agent
 * socket that streams a WebM at a fixed bitrate as the protocol says (`client-connected`, `start-streaming`
 * with its own segment id, `video-frame` with offsets, acks) and a dashboard socket that `watch`es it. Both
 * live in this process, so the viewer times each chunk on the clock its agent stamped it with.
 *
 * Requests (`{ id, type, ... }`, answered `{ id, ok, result | error }`):
 * - `connect` { url, agentToken, viewerToken, from, count, concurrency } → agents acked, viewers watching
 * - `start`   { source, bitsPerSecond, chunkMs, phaseOf: [from, total] } → every segment open, sending begun
 * - `window`  → latency samples start again from now
 * - `status`  → byte counters, frames in flight, errors
 * - `pause`   → agents stop sending (their segments stay open)
 * - `samples` → latencies since `window`
 * - `close-all`
 */
import fs from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import { serveRequests } from '../presence/lib.js';

interface Stream {
  userHost: string;
  segmentId: string;
  agent: Socket;
  viewer?: Socket;
  clientId: number;
  /** Bytes emitted, acknowledged (the server's offset), and received by the viewer (its offset in the segment). */
  sent: number;
  acked: number;
  relayed: number;
  inFlight: number;
  /** performance.now() when the chunk ending at this offset was emitted; removed once the viewer has it. */
  sentAt: Map<number, number>;
  timer?: NodeJS.Timeout;
}

const streams: Stream[] = [];
let source = Buffer.alloc(0);
let inWindow = false;
const relayLatencies: number[] = [];
const ackLatencies: number[] = [];
const problems = { ackErrors: 0, mismatches: 0, disconnects: 0, exhausted: 0, samples: [] as string[] };

function problem(counter: keyof Omit<typeof problems, 'samples'>, message: string) {
  problems[counter]++;
  if (problems.samples.length < 5) problems.samples.push(message);
}

function open(url: string, app: 'agent' | 'backend', token: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { app }, auth: { token }, timeout: 20_000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function connectAgent(url: string, token: string, index: number): Promise<Stream> {
  const userHost = `streamer-${index}@bench`;
  const agent = await open(url, 'agent', token);
  const [username, hostname] = userHost.split('@');
  const machineInfo = { user_host: userHost, username, hostname, platform: 'linux', operatingSystem: 'Linux 6.1' };
  const reply = await agent.timeout(30_000).emitWithAck('client-connected', { machine_info: machineInfo });
  if (!reply?.ok) throw new Error(`client-connected refused: ${JSON.stringify(reply)}`);
  const stream: Stream = {
    userHost,
    segmentId: `bench-${index}-${Date.now().toString(36)}`,
    agent,
    clientId: reply.client.id,
    sent: 0,
    acked: 0,
    relayed: 0,
    inFlight: 0,
    sentAt: new Map(),
  };
  agent.on('disconnect', (reason) => problem('disconnects', `agent ${userHost} disconnected: ${reason}`));
  return stream;
}

/** The viewer checks every byte against the source and times each chunk its agent sent. */
function received(stream: Stream, buffer: Buffer, isInit: boolean) {
  const at = performance.now();
  if (isInit) stream.relayed = 0;
  const from = stream.relayed;
  if (!source.subarray(from, from + buffer.length).equals(buffer)) {
    problem('mismatches', `viewer of ${stream.userHost}: ${buffer.length} bytes at ${from} differ from the source`);
  }
  stream.relayed = from + buffer.length;
  for (const [end, sentAt] of stream.sentAt) {
    if (end > stream.relayed) break;
    stream.sentAt.delete(end);
    if (end === stream.relayed && inWindow) relayLatencies.push(at - sentAt);
  }
}

async function connectViewer(url: string, token: string, stream: Stream) {
  const viewer = await open(url, 'backend', token);
  type Relayed = { client_id: number; segment_id: string; buffer: Buffer | ArrayBuffer };
  const accept = (isInit: boolean) => (payload: Relayed) => {
    if (payload.client_id !== stream.clientId || payload.segment_id !== stream.segmentId) return;
    received(stream, Buffer.isBuffer(payload.buffer) ? payload.buffer : Buffer.from(payload.buffer), isInit);
  };
  viewer.on('stream-init', accept(true));
  viewer.on('video-frame', accept(false));
  viewer.on('disconnect', (reason) => problem('disconnects', `viewer of ${stream.userHost} disconnected: ${reason}`));
  const reply = await viewer.timeout(30_000).emitWithAck('watch', { client_id: stream.clientId });
  if (!reply?.ok) throw new Error(`watch refused: ${JSON.stringify(reply)}`);
  stream.viewer = viewer;
}

/** Runs `task` over `items` with at most `concurrency` at once. */
async function eachLimited<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

function sendChunk(stream: Stream, chunkBytes: number) {
  const from = stream.sent;
  if (from >= source.length) {
    problem('exhausted', `${stream.userHost} reached the end of the source`);
    return;
  }
  const to = Math.min(from + chunkBytes, source.length);
  const emittedAt = performance.now();
  stream.sent = to;
  stream.inFlight++;
  stream.sentAt.set(to, emittedAt);
  const payload = { buffer: source.subarray(from, to), segment_id: stream.segmentId, offset: from };
  stream.agent.emit('video-frame', payload, (reply: { ok: boolean; offset?: number; error?: string; message?: string }) => {
    stream.inFlight--;
    if (!reply?.ok) {
      problem('ackErrors', `frame at ${from} of ${stream.userHost} refused: ${reply?.error} ${reply?.message}`);
      return;
    }
    stream.acked = Math.max(stream.acked, reply.offset!);
    if (inWindow) ackLatencies.push(performance.now() - emittedAt);
  });
}

/** Sends a chunk every `chunkMs` on a fixed schedule: a late timer sends at once, so the rate holds. */
function schedule(stream: Stream, due: number, chunkMs: number, chunkBytes: number) {
  stream.timer = setTimeout(() => {
    sendChunk(stream, chunkBytes);
    schedule(stream, due + chunkMs, chunkMs, chunkBytes);
  }, Math.max(0, due - performance.now()));
}

const sum = (pick: (s: Stream) => number) => streams.reduce((n, s) => n + pick(s), 0);

const handlers: Record<string, (msg: any) => Promise<unknown>> = {
  async connect(msg: { url: string; agentToken: string; viewerToken: string; from: number; count: number; concurrency: number }) {
    const indices = Array.from({ length: msg.count }, (_, i) => msg.from + i);
    await eachLimited(indices, msg.concurrency, async (index) => {
      streams.push(await connectAgent(msg.url, msg.agentToken, index));
    });
    await eachLimited(streams, msg.concurrency, (stream) => connectViewer(msg.url, msg.viewerToken, stream));
    return { streams: streams.length };
  },

  async start(msg: { source: string; bitsPerSecond: number; chunkMs: number; phaseOf: [number, number] }) {
    source = fs.readFileSync(msg.source);
    for (const stream of streams) {
      const reply = await stream.agent.timeout(30_000).emitWithAck('start-streaming', { segment_id: stream.segmentId });
      if (!reply?.ok || reply.offset !== 0) throw new Error(`start-streaming of ${stream.userHost}: ${JSON.stringify(reply)}`);
    }
    const chunkBytes = Math.round((msg.bitsPerSecond / 8) * (msg.chunkMs / 1000));
    // Streams send at phases spread evenly over the chunk interval, across all workers.
    const [first, total] = msg.phaseOf;
    const t0 = performance.now() + 50;
    streams.forEach((stream, i) => schedule(stream, t0 + (((first + i) % total) / total) * msg.chunkMs, msg.chunkMs, chunkBytes));
    return { chunkBytes };
  },

  async window() {
    relayLatencies.length = 0;
    ackLatencies.length = 0;
    inWindow = true;
    return {};
  },

  async status() {
    return {
      streams: streams.length,
      sent: sum((s) => s.sent),
      acked: sum((s) => s.acked),
      relayed: sum((s) => s.relayed),
      inFlight: sum((s) => s.inFlight),
      maxInFlight: Math.max(0, ...streams.map((s) => s.inFlight)),
      maxUnacked: Math.max(0, ...streams.map((s) => s.sent - s.acked)),
      maxViewerLag: Math.max(0, ...streams.map((s) => s.sent - s.relayed)),
      problems: { ...problems, samples: [...problems.samples] },
    };
  },

  async pause() {
    inWindow = false;
    for (const stream of streams) clearTimeout(stream.timer);
    return {};
  },

  async samples() {
    return { relay: relayLatencies, ack: ackLatencies };
  },

  async 'close-all'() {
    for (const stream of streams) {
      clearTimeout(stream.timer);
      stream.agent.removeAllListeners();
      stream.agent.disconnect();
      stream.viewer?.removeAllListeners();
      stream.viewer?.disconnect();
    }
    streams.length = 0;
    return { closed: true };
  },
};

serveRequests(handlers);
