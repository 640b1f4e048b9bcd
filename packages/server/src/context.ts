import type { FastifyBaseLogger } from 'fastify';
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@vaahshare/protocol';
import type { CompanyCache } from './companies/company-cache.js';
import type { Config } from './config.js';
import type { DatabaseHandle, Db } from './db/database.js';
import type { Clock } from './infra/clock.js';
import type { Metrics } from './infra/metrics.js';

export type SocketRole = 'agent' | 'dashboard';

export interface SocketData {
  role: SocketRole;
  /** The tenant; for a legacy agent it is known only after `client-connected`. */
  companyId: number | null;
  legacy: boolean;
  userId?: number;
  /** A dashboard user's e-mail: the name an agent's window shows while this socket watches it. */
  userName?: string;
  /** A dashboard's login session, as its room: logging out disconnects its sockets. */
  sessionRoom?: string;
  /** The enrollment token an agent connected with (none for a legacy agent). */
  tokenId?: number;
  /** Set once `client-connected` made this socket a client's socket. */
  clientId?: number;
  userHost?: string;
  /** The connection generation this socket holds; transitions it causes are guarded by it. */
  generation?: number;
}

/** Messages between server nodes (through Redis; none on a single node). */
export interface InterServerEvents {
  /** A node's dashboards started (`watching`) or stopped watching a client's stream. */
  viewers: (report: { node_id: string; client_id: number; watching: boolean }) => void;
  /** A node (re)started: forget what it reported before, and answer with the clients watched here. */
  'viewers-snapshot': (nodeId: string, reply: (answer: { node_id: string; watched: number[] }) => void) => void;
  /** Who watches a client's stream on a node (agents' windows show the names), sent on every change. */
  'viewer-names': (report: { node_id: string; client_id: number; names: string[] }) => void;
  /** A dashboard socket wants a stream: the node receiving it sends the header and catch-up, then joins it. */
  'watch-request': (request: { node_id: string; client_id: number; socket_id: string }, reply: (served: boolean) => void) => void;
}
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Shared infrastructure every feature receives, and the company reads every connect needs. */
export interface AppContext {
  config: Config;
  db: Db;
  database: DatabaseHandle;
  log: FastifyBaseLogger;
  clock: Clock;
  metrics: Metrics;
  io: IoServer;
  companies: CompanyCache;
}

export const companyRoom = (companyId: number) => `company:${companyId}`;
/** Agents of a company, for settings pushed to them. */
export const agentsRoom = (companyId: number) => `agents:${companyId}`;
/** The agent sockets of one client (normally one). */
export const clientRoom = (clientId: number) => `client:${clientId}`;
/** The dashboard sockets of one login session (named by the session token's hash, as stored). */
export const sessionRoom = (sessionTokenHash: string) => `session:${sessionTokenHash}`;
/** The agent sockets that connected with one enrollment token: revoking it disconnects them. */
export const tokenRoom = (tokenId: number) => `token:${tokenId}`;
/** Dashboards watching a client's live stream. */
export const watchRoom = (clientId: number) => `watch:${clientId}`;
/** Watchers of a client's stream that fell behind: still viewers, but frames skip them until they catch up. */
export const pausedRoom = (clientId: number) => `paused:${clientId}`;
/** The client whose stream a room is the watch room of, if it is one. */
export const watchedClientOf = (room: string): number | undefined => {
  const match = /^watch:(\d+)$/.exec(room);
  return match ? Number(match[1]) : undefined;
};
