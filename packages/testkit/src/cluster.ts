import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import type { Client } from '@vaahshare/protocol';
import { freshDatabaseEnv, hello, openSocket, rememberDeviceSecret, tempDir, testEnv, waitUntil, type TestSocket } from './harness.js';
import { freePort, spawnServer, type ServerProcess } from './process.js';

/** Why the cluster tests cannot run here, or null when PostgreSQL and Redis are at hand. */
export function clusterUnavailable(): string | null {
  const missing = ['TEST_DATABASE_URL', 'TEST_REDIS_URL'].filter((name) => !process.env[name]);
  // npm test runs the server's tests twice and blanks TEST_DATABASE_URL in its SQLite pass: these run in the PostgreSQL pass.
  return missing.length ? `several nodes need PostgreSQL and Redis: ${missing.join(' and ')} not set (.ci/run sets both)` : null;
}

export interface Cluster {
  env: Record<string, string>;
  dataDir: string;
  /** Plain SQL on the cluster's database, to check what the nodes stored. */
  sql: pg.Client;
  startNode: (nodeId: string) => Promise<ServerProcess & { port: number }>;
  dispose: () => Promise<void>;
}

/** One database, one Redis namespace and one DATA_DIR shared by server processes started on demand. */
export async function createCluster(overrides: Record<string, string> = {}): Promise<Cluster> {
  const database = await freshDatabaseEnv();
  const dataDir = tempDir('vaahshare-cluster-');
  const env = testEnv(dataDir, {
    ...database.env,
    REDIS_URL: process.env.TEST_REDIS_URL!,
    REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    ...overrides,
  });
  const sql = new pg.Client({ connectionString: database.env.DATABASE_URL });
  await sql.connect();
  const nodes: ServerProcess[] = [];
  return {
    env,
    dataDir,
    sql,
    async startNode(nodeId) {
      const port = await freePort();
      const node = await spawnServer({ ...env, NODE_ID: nodeId, PORT: String(port) });
      nodes.push(node);
      return { ...node, port };
    },
    async dispose() {
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
      await sql.end();
      await database.drop();
      // The nodes were killed (SIGKILL), not closed: an ffmpeg one of them started may still write a file while the
      // folder goes (a killed server's children outlive it), so ENOTEMPTY is retried.
      fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 10 });
    },
  };
}

/** An agent as the real one behaves: it reconnects by itself and announces itself on every new connection. */
export function reconnectingAgent(url: string, userHost: string) {
  const socket = openSocket(url, {}, true);
  socket.io.reconnectionDelay(200);
  socket.io.reconnectionDelayMax(1000);
  let announcedOn: string | undefined;
  let client: Client | undefined;
  socket.on('connect', () => {
    const id = socket.id;
    socket
      .timeout(5000)
      .emitWithAck('client-connected', hello(userHost))
      .then((reply) => {
        rememberDeviceSecret(userHost, reply);
        if (reply.ok && socket.id === id) [announcedOn, client] = [id, reply.client];
      }, () => undefined);
  });
  return {
    socket,
    get client() {
      return client;
    },
    /** Resolves once the current connection is announced (after a reconnect: once it is back). */
    ready: (timeoutMs = 20_000) => waitUntil(() => socket.connected && announcedOn === socket.id, timeoutMs, `${userHost} announced`),
  };
}

export type ReconnectingAgent = ReturnType<typeof reconnectingAgent>;

class RefusedFrame extends Error {}

/**
 * Streams `data[from..to)` of a segment as an agent does across lost connections: after each reconnect it
 * asks where the server is and goes on from there. Throws if the server ever holds less than it acknowledged.
 */
export async function streamAcrossDrops(agent: ReconnectingAgent, segmentId: string, data: Buffer, from: number, to = data.length, chunkSize = 16 * 1024) {
  let acked = from;
  while (acked < to) {
    await agent.ready();
    let offset: number;
    try {
      const start = await agent.socket.timeout(5000).emitWithAck('start-streaming', { segment_id: segmentId });
      if (!start.ok) throw new Error(`start-streaming refused: ${start.error}`);
      offset = start.offset;
    } catch {
      continue; // the connection went while asking: ask again once back
    }
    if (offset < acked) throw new Error(`acknowledged bytes lost: the server holds ${offset} of ${segmentId}, it acknowledged ${acked}`);
    try {
      while (offset < to) {
        const buffer = data.subarray(offset, Math.min(offset + chunkSize, to));
        const reply = await agent.socket.timeout(5000).emitWithAck('video-frame', { buffer, segment_id: segmentId, offset });
        if (!reply.ok) throw new RefusedFrame(`frame at ${offset} refused: ${reply.error}`);
        offset = acked = reply.offset;
      }
    } catch (err) {
      // Unacknowledged frames are sent again after the reconnect, from what the server holds.
      if (err instanceof RefusedFrame) throw err;
    }
  }
  return acked;
}

/** The node holding each client's connection, as stored. */
export async function nodesOf(sql: pg.Client, userHosts: string[]): Promise<Record<string, string | null>> {
  const { rows } = await sql.query<{ user_host: string; node_id: string | null }>('select user_host, node_id from clients where user_host = any($1)', [userHosts]);
  return Object.fromEntries(rows.map((r) => [r.user_host, r.node_id]));
}

export type { TestSocket };
