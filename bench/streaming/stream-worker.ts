/**
 * A worker process of the streaming benchmark. It holds a share of the simulated streams; each is an agent
 * socket that streams a WebM at a fixed bitrate as the protocol says (`client-connected`, `start-streaming`
 * with its own segment id, `video-frame` with offsets, acks) and a dashboard socket that `watch`es it. Both
 * live in this process, so the viewer times each frame on the clock its agent stamped it with.
 *
 * Each agent behaves as ours does (packages/agent `SegmentUploader`): its recorder produces `chunkMs` of video
 * at a time, and it sends what it has not sent yet as one `video-frame` (at most 512 KiB) as soon as the
 * previous one is acked. A server that keeps up gets one frame per recorder chunk; one that falls behind gets
 * bigger frames, and the bytes produced but not yet acked are the backlog.
 *
 * Requests (`{ id, type, ... }`, answered `{ id, ok, result | error }`):
 * - `connect` { url, agentToken, viewerToken, from, count, concurrency } → agents acked, viewers watching
 * - `start`   { source, bitsPerSecond, chunkMs, phaseOf: [from, total] } → every segment open, sending begun
 * - `window`  → latency samples start again from now
 * - `status`  → byte counters, frames in flight, errors
 * - `pause`   → recorders stop producing (what was produced is still sent; segments stay open)
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
  /** Bytes the recorder produced, emitted, acknowledged (the server's offset), and received by the viewer. */
  produced: number;
  sent: number;
  acked: number;
  relayed: number;
  inFlight: boolean;
  /** performance.now() when the frame ending at this offset was emitted; removed once the viewer has it. */
  sentAt: Map<number, number>;
  timer?: NodeJS.Timeout;
}

const streams: Stream[] = [];
let source = Buffer.alloc(0);
let inWindow = false;
let frames = 0;
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
  const reply = await agent
    .timeout(30_000)
    .emitWithAck('client-connected', { machine_info: machineInfo })
    .catch((err: Error) => ({ ok: false, error: err.message }));
  if (!reply?.ok) {
    agent.disconnect();
    throw new Error(`client-connected: ${JSON.stringify(reply)}`);
  }
  const stream: Stream = {
    userHost,
    segmentId: `bench-${index}-${Date.now().toString(36)}`,
    agent,
    clientId: reply.client.id,
    produced: 0,
    sent: 0,
    acked: 0,
    relayed: 0,
    inFlight: false,
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
  const reply = await viewer
    .timeout(30_000)
    .emitWithAck('watch', { client_id: stream.clientId })
    .catch((err: Error) => ({ ok: false, error: err.message }));
  if (!reply?.ok) {
    viewer.removeAllListeners();
    viewer.disconnect();
    throw new Error(`watch: ${JSON.stringify(reply)}`);
  }
  stream.viewer = viewer;
}

/** A loaded machine can drop a socket while it connects: try again, a bounded number of times. */
async function withRetries<T>(what: string, attempt: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= attempts) throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)} (${attempts} attempts)`);
    }
  }
}

/** Runs `task` over `items` with at most `concurrency` at once. */
async function eachLimited<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/** The agent's own limit per frame (packages/agent MAX_CHUNK_BYTES). */
const MAX_FRAME_BYTES = 512 * 1024;

/** Sends what the recorder produced and the server does not have yet, unless a frame is still unacked. */
function sendPending(stream: Stream) {
  if (stream.inFlight || stream.acked >= stream.produced) return;
  const from = stream.acked;
  const to = Math.min(stream.produced, from + MAX_FRAME_BYTES);
  const emittedAt = performance.now();
  stream.sent = to;
  stream.inFlight = true;
  frames++;
  stream.sentAt.set(to, emittedAt);
  const payload = { buffer: source.subarray(from, to), segment_id: stream.segmentId, offset: from };
  stream.agent.emit('video-frame', payload, (reply: { ok: boolean; offset?: number; error?: string; message?: string }) => {
    stream.inFlight = false;
    if (!reply?.ok) {
      problem('ackErrors', `frame at ${from} of ${stream.userHost} refused: ${reply?.error} ${reply?.message}`);
      return;
    }
    stream.acked = reply.offset!;
    if (inWindow) ackLatencies.push(performance.now() - emittedAt);
    sendPending(stream);
  });
}

function produce(stream: Stream, chunkBytes: number) {
  if (stream.produced >= source.length) {
    problem('exhausted', `${stream.userHost} reached the end of the source`);
    return;
  }
  stream.produced = Math.min(stream.produced + chunkBytes, source.length);
  sendPending(stream);
}

/** The recorder yields a chunk every `chunkMs` on a fixed schedule: a late timer catches up at once, so the rate holds. */
function schedule(stream: Stream, due: number, chunkMs: number, chunkBytes: number) {
  stream.timer = setTimeout(() => {
    produce(stream, chunkBytes);
    schedule(stream, due + chunkMs, chunkMs, chunkBytes);
  }, Math.max(0, due - performance.now()));
}

const sum = (pick: (s: Stream) => number) => streams.reduce((n, s) => n + pick(s), 0);

const handlers: Record<string, (msg: any) => Promise<unknown>> = {
  async connect(msg: { url: string; agentToken: string; viewerToken: string; from: number; count: number; concurrency: number }) {
    const indices = Array.from({ length: msg.count }, (_, i) => msg.from + i);
    await eachLimited(indices, msg.concurrency, async (index) => {
      streams.push(await withRetries(`agent ${index}`, () => connectAgent(msg.url, msg.agentToken, index)));
    });
    await eachLimited(streams, msg.concurrency, (stream) => withRetries(`viewer of ${stream.userHost}`, () => connectViewer(msg.url, msg.viewerToken, stream)));
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
      produced: sum((s) => s.produced),
      frames,
      sent: sum((s) => s.sent),
      acked: sum((s) => s.acked),
      relayed: sum((s) => s.relayed),
      inFlight: sum((s) => (s.inFlight ? 1 : 0)),
      maxUnacked: Math.max(0, ...streams.map((s) => s.produced - s.acked)),
      maxViewerLag: Math.max(0, ...streams.map((s) => s.produced - s.relayed)),
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
