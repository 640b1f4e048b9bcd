import type { FastifyBaseLogger } from 'fastify';
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@vaahshare/protocol';
import type { Access } from './access/index.js';
import type { Broadcast } from './broadcast.js';
import type { CompanyCache } from './companies/index.js';
import type { Config } from './config.js';
import type { DatabaseHandle, Db } from './db/database.js';
import type { DomainEventBus } from './events/domain-events.js';
import type { Clock } from './infra/clock.js';
import type { Metrics } from './infra/metrics.js';
import type { SocketHandlers } from './infra/socket-handler.js';

export type SocketRole = 'agent' | 'dashboard';

export interface SocketData {
  role: SocketRole;
  /** The tenant; for a legacy agent it is known only after `client-connected`. */
  companyId: number | null;
  legacy: boolean;
  userId?: number;
  /** A dashboard user's e-mail: the name an agent's window shows while this socket watches it. */
  userName?: string;
  /** A dashboard user's role and groups, as they were at the handshake (a change disconnects the socket). */
  access?: Access;
  /** A dashboard's login session (its token's hash, as stored): logging out disconnects its sockets. */
  sessionTokenHash?: string;
  /** An original client's address (as TRUST_PROXY resolves it): its company's allow-list is checked against it. */
  address?: string;
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
  /** A company's monitoring hours or groups changed (PROTOCOL.md §8.24): each node tells its agents of that company. */
  'monitoring-hours-changed': (companyId: number) => void;
  'watch-request': (request: { node_id: string; client_id: number; socket_id: string }, reply: (served: boolean) => void) => void;
}
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Shared infrastructure every feature receives, and the company reads every connect needs. */
export interface AppContext {
  config: Config;
  db: Db;
  database: DatabaseHandle;
  /** On PostgreSQL a pool of its own for node heartbeats and hand-overs (never behind presence queries); on SQLite `db`. */
  backgroundDb: Db;
  log: FastifyBaseLogger;
  clock: Clock;
  metrics: Metrics;
  broadcast: Broadcast;
  events: DomainEventBus;
  /** Socket event handlers: validation, per-socket order, acks. */
  handlers: SocketHandlers;
  companies: CompanyCache;
}
