/**
 * A worker process of the presence benchmark: holds a share of the simulated agents (socket.io-client,
 * WebSocket transport only, automatic reconnection with the default randomized backoff) and optionally
 * a dashboard socket, and answers the parent's requests over IPC.
 *
 * Requests (`{ id, type, ... }`, answered `{ id, ok, result | error }`):
 * - `connect`   { url, token, start, count, concurrency, proxyUrl?, localAddresses?, timeoutMs } → every agent
 *                                                 connected and acked; agent i connects from localAddresses[i % k]
 * - `dashboard` { url, token }                  → a dashboard socket that timestamps presence events
 * - `drop`      { count, spacingMs, timeoutMs }  → closes agents' transports one at a time; latency until the
 *                                                 dashboard saw `client-reconnecting` for each
 * - `restore`   { timeoutMs }                    → dropped agents connect again
 * - `storm-arm`                                  → counts agents acked from now on; event `storm-done` when all are
 * - `status`                                     → counters
 * - `close-all`                                  → closes every socket
 */
import { io, type Socket } from 'socket.io-client';
import { serveRequests, sleep, wallNow } from './lib.js';

interface Agent {
  index: number;
  userHost: string;
  url: string;
  /** The source address its connections are bound to; unset: the kernel's choice (127.0.0.1). */
  localAddress?: string;
  socket: Socket;
  acked: boolean;
  dropped: boolean;
  onFirstAck?: () => void;
  /** Issued by the connection that enrolled it (PROTOCOL.md §2): every later connection presents it. */
  deviceSecret?: string;
}

const agents: Agent[] = [];
let token = '';
let dashboard: Socket | undefined;
const dashboardCounts: Record<string, number> = {};
/** user_host → performance.now() when its transport was closed, for agents being dropped. */
const awaitingReconnecting = new Map<string, number>();
const dropLatencies: number[] = [];
let ackErrors = 0;
let connectErrors = 0;

/** `ackTimes`: when each agent was acked again (wall ms), for the storm's curve. */
let storm: { armedAt: number; acked: Set<number>; ackTimes: number[]; doneSent: boolean } | undefined;

const userHostOf = (index: number) => `agent-${index}@bench`;

function machineInfo(userHost: string) {
  const [username, hostname] = userHost.split('@');
  return { user_host: userHost, username, hostname, platform: 'linux', operatingSystem: 'Linux 6.1', macAddress: '00:11:22:33:44:55' };
}

function activeCount() {
  return agents.reduce((n, a) => n + (a.dropped ? 0 : 1), 0);
}

function checkStormDone() {
  if (!storm || storm.doneSent) return;
  if (storm.acked.size >= activeCount()) {
    storm.doneSent = true;
    process.send!({ event: 'storm-done', at: wallNow(), count: storm.acked.size, ackTimes: storm.ackTimes });
  }
}

function announce(agent: Agent, attempt = 1) {
  const socket = agent.socket;
  const proof = agent.deviceSecret ? { device_secret: agent.deviceSecret } : {};
  socket.timeout(10_000).emit('client-connected', { machine_info: machineInfo(agent.userHost), ...proof }, (err: Error | null, reply?: { ok?: boolean; device_secret?: string }) => {
    if (reply?.device_secret) agent.deviceSecret = reply.device_secret;
    if (socket !== agent.socket) return;
    if (err) {
      ackErrors++;
      // Unanswered: as the real agent does (packages/agent/src/connection.ts), drop the transport and come back
      // through Socket.IO's reconnection with its backoff, rather than wait on a connection that may be stuck.
      socket.io.engine?.close();
      return;
    }
    if (!reply?.ok) {
      ackErrors++;
      // Refused: ask again, a bounded number of times.
      if (socket.connected && attempt < 5) announce(agent, attempt + 1);
      return;
    }
    agent.acked = true;
    const first = agent.onFirstAck;
    agent.onFirstAck = undefined;
    first?.();
    if (storm && !storm.acked.has(agent.index)) {
      storm.acked.add(agent.index);
      storm.ackTimes.push(wallNow());
      checkStormDone();
    }
  });
}

function openAgent(agent: Agent) {
  // engine.io-client hands `localAddress` to ws (its typings leave it out), which binds the socket to it.
  const bind = agent.localAddress ? { localAddress: agent.localAddress } : {};
  const socket = io(agent.url, {
    ...bind,
    transports: ['websocket'],
    forceNew: true,
    reconnection: true,
    query: { app: 'agent' },
    auth: { token },
    timeout: 20_000,
  });
  agent.socket = socket;
  agent.acked = false;
  socket.on('connect', () => announce(agent));
  socket.on('disconnect', () => {
    agent.acked = false;
  });
  socket.on('connect_error', () => {
    connectErrors++;
  });
}

/** Opens agents with at most `concurrency` of them between `io()` and their first ack. */
async function connectMany(list: Agent[], concurrency: number, timeoutMs: number) {
  const started = wallNow();
  const deadline = Date.now() + timeoutMs;
  let next = 0;
  let failed = 0;
  const runOne = async () => {
    while (next < list.length) {
      const agent = list[next++];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          failed++;
          agent.onFirstAck = undefined;
          resolve();
        }, Math.max(1, deadline - Date.now()));
        agent.onFirstAck = () => {
          clearTimeout(timer);
          resolve();
        };
        openAgent(agent);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, runOne));
  return { ms: wallNow() - started, count: list.length, failed };
}

const handlers: Record<string, (msg: any) => Promise<unknown>> = {
  async connect(msg: { url: string; token: string; start: number; count: number; concurrency: number; proxyUrl?: string; localAddresses?: string[]; timeoutMs: number }) {
    token = msg.token;
    const list: Agent[] = [];
    const addresses = msg.localAddresses ?? [];
    for (let i = msg.start; i < msg.start + msg.count; i++) {
      const url = i === 0 && msg.proxyUrl ? msg.proxyUrl : msg.url;
      const localAddress = addresses.length ? addresses[i % addresses.length] : undefined;
      const agent = { index: i, userHost: userHostOf(i), url, localAddress, acked: false, dropped: false } as Agent;
      agents.push(agent);
      list.push(agent);
    }
    return connectMany(list, msg.concurrency, msg.timeoutMs);
  },

  async dashboard(msg: { url: string; token: string }) {
    dashboard?.disconnect();
    const socket = io(msg.url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { app: 'backend' }, auth: { token: msg.token } });
    dashboard = socket;
    for (const event of ['client-connected', 'client-reconnecting', 'client-disconnected']) {
      socket.on(event, (client: { user_host?: string }) => {
        const at = performance.now();
        dashboardCounts[event] = (dashboardCounts[event] ?? 0) + 1;
        if (event !== 'client-reconnecting' || !client?.user_host) return;
        const closedAt = awaitingReconnecting.get(client.user_host);
        if (closedAt === undefined) return;
        awaitingReconnecting.delete(client.user_host);
        dropLatencies.push(at - closedAt);
      });
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('dashboard did not connect')), 15_000);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('connect_error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return { connected: true };
  },

  async drop(msg: { count: number; spacingMs: number; timeoutMs: number }) {
    if (!dashboard?.connected) throw new Error('drop needs a connected dashboard in this worker');
    dropLatencies.length = 0;
    awaitingReconnecting.clear();
    // The last agents of this worker (never the first, which may go through the proxy).
    const candidates = agents.filter((a) => !a.dropped && a.acked && a.index !== 0);
    // The last `count` of them (slice(-0) would be all of them).
    const victims = candidates.slice(candidates.length - Math.min(msg.count, candidates.length));
    for (const agent of victims) {
      agent.dropped = true;
      agent.socket.io.reconnection(false);
      awaitingReconnecting.set(agent.userHost, performance.now());
      agent.socket.io.engine.close();
      await sleep(msg.spacingMs);
    }
    const deadline = Date.now() + msg.timeoutMs;
    while (awaitingReconnecting.size && Date.now() < deadline) await sleep(20);
    const missing = awaitingReconnecting.size;
    awaitingReconnecting.clear();
    return { dropped: victims.length, latencies: [...dropLatencies], missing };
  },

  async restore(msg: { concurrency?: number; timeoutMs: number }) {
    const list = agents.filter((a) => a.dropped);
    for (const agent of list) {
      agent.socket.removeAllListeners();
      agent.socket.disconnect();
      agent.dropped = false;
    }
    return connectMany(list, msg.concurrency ?? 50, msg.timeoutMs);
  },

  async 'storm-arm'() {
    storm = { armedAt: wallNow(), acked: new Set(), ackTimes: [], doneSent: false };
    return { armed: activeCount() };
  },

  async status() {
    return {
      agents: agents.length,
      active: activeCount(),
      acked: agents.reduce((n, a) => n + (a.acked && !a.dropped ? 1 : 0), 0),
      connected: agents.reduce((n, a) => n + (a.socket?.connected ? 1 : 0), 0),
      stormAcked: storm?.acked.size ?? 0,
      ackErrors,
      connectErrors,
      dashboard: { connected: dashboard?.connected ?? false, counts: { ...dashboardCounts } },
      rssBytes: process.memoryUsage.rss(),
    };
  },

  async 'close-all'() {
    storm = undefined;
    for (const agent of agents) {
      agent.socket?.io.reconnection(false);
      agent.socket?.removeAllListeners();
      agent.socket?.disconnect();
    }
    dashboard?.disconnect();
    agents.length = 0;
    return { closed: true };
  },
};

serveRequests(handlers);
