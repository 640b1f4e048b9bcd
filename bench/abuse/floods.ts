/**
 * The flood cases of issue 17 §4, each started against one server and stopped at the end of the window; each
 * returns what it saw (the server's answers), for the report.
 */
import net from 'node:net';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { WebmScanner } from '../../packages/server/src/media/webm-scanner.js';
import { sleep } from '../presence/lib.js';

export interface Flood {
  name: string;
  stop: () => Promise<Record<string, number | string>>;
}

const agentSocket = (url: string, token: string): Socket =>
  io(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { app: 'agent' }, auth: { token } });

const connected = (socket: Socket) =>
  new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('connect_error', () => resolve(false));
  });

const machineInfo = (userHost: string, extra: Record<string, unknown> = {}) => ({
  user_host: userHost,
  username: userHost.split('@')[0],
  hostname: userHost.split('@')[1],
  platform: 'linux',
  operatingSystem: 'Linux 6.1',
  ...extra,
});

/** Counts the codes of refusals (or `ok`) as they come back. */
function tally() {
  const counts: Record<string, number> = {};
  return { counts, add: (code: string) => (counts[code] = (counts[code] ?? 0) + 1) };
}

/** Many sockets on one token, each a new identity: the token's caps of sockets and of new desktops an hour. */
export async function manySockets(url: string, token: string, count: number): Promise<Flood> {
  const sockets: Socket[] = [];
  const answers = tally();
  for (let i = 0; i < count; i++) {
    const socket = agentSocket(url, token);
    sockets.push(socket);
    void connected(socket).then(async (ok) => {
      if (!ok) return answers.add('handshake refused');
      const reply = await socket.timeout(60_000).emitWithAck('client-connected', { machine_info: machineInfo(`flood-${i}@many-sockets`) }).catch(() => ({ error: 'no answer' }));
      answers.add(reply.ok ? 'ok' : reply.error);
    });
    // A few hundred a second: the bench's own process must keep up.
    if (i % 50 === 49) await sleep(100);
  }
  return {
    name: `${count} sockets on one token, each a new desktop`,
    stop: async () => {
      for (const socket of sockets) socket.disconnect();
      return answers.counts;
    },
  };
}

/** Alert floods (3 000 in a burst, every 2 s) and unknown-event floods, without acks, from connected agents. */
export async function eventFloods(url: string, token: string): Promise<Flood> {
  const socket = agentSocket(url, token);
  await connected(socket);
  await socket.timeout(60_000).emitWithAck('client-connected', { machine_info: machineInfo('flood@events') });
  const errors = tally();
  socket.on('error', (e: { error: string }) => errors.add(e.error));
  let sent = 0;
  let running = true;
  void (async () => {
    while (running && socket.connected) {
      for (let i = 0; i < 3000; i++) socket.emit('alert', { type: 'idle', idle_seconds: 300 });
      for (let i = 0; i < 1000; i++) socket.emit('what-is-this', { i });
      sent += 4000;
      await sleep(2000);
    }
  })();
  return {
    name: 'alert and unknown-event floods (3 000 + 1 000 every 2 s, no acks)',
    stop: async () => {
      running = false;
      socket.disconnect();
      return { sent, ...Object.fromEntries(Object.entries(errors.counts).map(([k, v]) => [`error events ${k}`, v])) };
    },
  };
}

/**
 * A WebM that goes on as long as one sends: the header of `webm` (up to its first Cluster), an unknown-size Cluster,
 * then SimpleBlocks of `blockBytes` each, so that every frame taken is valid and written to disk.
 */
function endlessWebm(webm: Buffer, blockBytes: number) {
  let headerEnd = 0;
  new WebmScanner({ onHeaderEnd: (offset) => (headerEnd = offset), onKeyCluster: () => undefined }).push(webm);
  const start = Buffer.concat([webm.subarray(0, headerEnd), Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xe7, 0x81, 0x00])]);
  const payload = blockBytes - 9;
  const block = Buffer.alloc(blockBytes);
  // SimpleBlock, its size on 8 bytes, track 1, timecode 0, keyframe.
  Buffer.from([0xa3, 0x01, 0, 0, 0, (payload >>> 24) & 0xff, (payload >>> 16) & 0xff, (payload >>> 8) & 0xff, payload & 0xff, 0x81, 0, 0, 0x80]).copy(block);
  return { start, block };
}

/** Senders of 4 MiB frames that never wait for an ack (only for their own socket's send buffer, to keep the bench's memory bounded). */
export async function bigFrames(url: string, token: string, senders: number, webm: Buffer): Promise<Flood> {
  const replies = tally();
  const { start, block } = endlessWebm(webm, 4 * 1024 * 1024);
  let running = true;
  const sockets: Socket[] = [];
  for (let s = 0; s < senders; s++) {
    const socket = agentSocket(url, token);
    sockets.push(socket);
    await connected(socket);
    await socket.timeout(60_000).emitWithAck('client-connected', { machine_info: machineInfo(`flood-${s}@big-frames`) });
    await socket.timeout(60_000).emitWithAck('start-streaming', { segment_id: `big-${s}` });
    await socket.timeout(60_000).emitWithAck('video-frame', { buffer: start, segment_id: `big-${s}` });
    const ws = () => (socket.io.engine.transport as unknown as { ws?: WebSocket }).ws;
    void (async () => {
      while (running && socket.connected) {
        if ((ws()?.bufferedAmount ?? 0) > 16 * 1024 * 1024) {
          await sleep(5);
          continue;
        }
        socket.timeout(60_000).emit('video-frame', { buffer: block, segment_id: `big-${s}` }, (err: Error | null, reply?: { ok: boolean; error?: string }) =>
          replies.add(err ? 'no answer' : reply?.ok ? 'ok' : (reply?.error ?? '?')),
        );
        await sleep(0);
      }
    })();
  }
  return {
    name: `${senders} senders of 4 MiB frames (valid WebM blocks) without waiting for acks`,
    stop: async () => {
      running = false;
      for (const socket of sockets) socket.disconnect();
      return replies.counts;
    },
  };
}

/** client-connected with a 4 MB field in machine_info, over and over. */
export async function bigMachineInfo(url: string, token: string, senders: number): Promise<Flood> {
  const replies = tally();
  const notes = 'x'.repeat(4 * 1000 * 1000);
  let running = true;
  const sockets: Socket[] = [];
  for (let s = 0; s < senders; s++) {
    const socket = agentSocket(url, token);
    sockets.push(socket);
    void connected(socket).then(async () => {
      while (running && socket.connected) {
        const reply = await socket.timeout(60_000).emitWithAck('client-connected', { machine_info: machineInfo(`flood-${s}@big-info`, { notes }) }).catch(() => ({ error: 'no answer' }));
        replies.add(reply.ok ? 'ok' : reply.error);
        await sleep(200);
      }
    });
  }
  return {
    name: `${senders} senders of a 4 MB machine_info field`,
    stop: async () => {
      running = false;
      for (const socket of sockets) socket.disconnect();
      return replies.counts;
    },
  };
}

/** Slowloris: connections that send an HTTP request's headers a byte a second and never finish them. */
export async function slowHeaders(url: string, connections: number): Promise<Flood> {
  const { hostname, port } = new URL(url);
  const request = `GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\nX-Slow: ${'a'.repeat(10_000)}`;
  const closed = tally();
  let running = true;
  const conns: net.Socket[] = [];
  for (let c = 0; c < connections; c++) {
    const conn = net.connect(Number(port), hostname);
    conns.push(conn);
    conn.on('error', () => undefined);
    conn.on('close', () => closed.add(running ? 'closed by the server' : 'closed at the end'));
    let at = 0;
    const drip = setInterval(() => {
      if (!running || conn.destroyed || at >= request.length) return clearInterval(drip);
      conn.write(request[at++]);
    }, 1000);
  }
  return {
    name: `${connections} slow-header (slowloris) connections`,
    stop: async () => {
      running = false;
      for (const conn of conns) conn.destroy();
      return closed.counts;
    },
  };
}

/** Connections that send an 8 MiB engine.io message before any Socket.IO handshake. */
export async function preAuthMessages(url: string, every: number): Promise<Flood> {
  const closes = tally();
  const message = `4${'x'.repeat(8 * 1024 * 1024 - 16)}`;
  let running = true;
  void (async () => {
    while (running) {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      ws.on('error', () => undefined);
      ws.once('message', () => ws.send(message));
      await new Promise<void>((resolve) => ws.once('close', (code) => (closes.add(`close ${code}`), resolve())));
      await sleep(every);
    }
  })();
  return {
    name: '8 MiB messages before authenticating',
    stop: async () => {
      running = false;
      return closes.counts;
    },
  };
}

/** Wrong-password logins as fast as the answers come: throttled (429), never a 5xx. */
export async function logins(url: string, count5xx: (status: number) => void): Promise<Flood> {
  const statuses = tally();
  let running = true;
  void (async () => {
    while (running) {
      const res = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@bench.local', password: `wrong-${Math.random()}` }),
      }).catch(() => undefined);
      statuses.add(res ? String(res.status) : 'no answer');
      if (res) count5xx(res.status);
      await res?.arrayBuffer();
    }
  })();
  return {
    name: 'wrong-password logins, back to back',
    stop: async () => {
      running = false;
      return statuses.counts;
    },
  };
}
