import type { Client, DisconnectReason, PresenceEventName } from '@vaahshare/protocol';
import DataLoader from 'dataloader';
import type { Db } from '../db/database.js';
import type { ClientRow } from '../db/schema.js';
import type { Clock } from '../infra/clock.js';
import { KeyedSerial } from '../infra/serial.js';
import { toClient } from './client-view.js';
import * as repo from './presence.repository.js';

const { identityKey } = repo;

export interface PresenceDeps {
  db: Db;
  clock: Clock;
  graceMs: number;
  nodeId: string;
  /** Tells the company's dashboards; called once per transition, in the order of the transitions. */
  announce: (companyId: number, event: PresenceEventName, client: Client) => void;
  onError: (what: string, err: unknown) => void;
}

/** The connection a socket holds: which client, and which generation of its connection. */
export interface Connection {
  clientId: number;
  generation: number;
  companyId: number;
  userHost: string;
}

export interface ConnectRequest {
  companyId: number;
  userHost: string;
  socketId: string;
  /** The enrollment token the socket connected with (none: an original client). */
  tokenId?: number | null;
  meta: Record<string, unknown>;
  /** The connection the requesting socket already holds, if it sent `client-connected` before. */
  held?: Connection;
}

export type Presence = ReturnType<typeof createPresence>;

/**
 * The presence lifecycle: connected → reconnecting → disconnected (PROTOCOL.md §4).
 * Every transition is a guarded database update; only the caller whose update changed a row announces it.
 */
export function createPresence(deps: PresenceDeps) {
  const { db, clock, graceMs } = deps;
  const serial = new KeyedSerial<string>();
  const graceTimers = new Map<number, NodeJS.Timeout>();
  // Connects that arrive in the same turn of the event loop are written together. Should the batch fail,
  // each is tried alone, so one bad connect cannot fail the others.
  const connects = new DataLoader<repo.ConnectInput, ClientRow>(
    (inputs) =>
      repo.connectClients(db, inputs).catch(() =>
        Promise.all(inputs.map((input) => repo.connectClients(db, [input]).then(([row]) => row, (err: Error) => err))),
      ),
    { cache: false, maxBatchSize: 500, batchScheduleFn: (flush) => setImmediate(flush) },
  );

  const announce = (event: PresenceEventName, row: ClientRow) => deps.announce(row.company_id, event, toClient(row));

  function clearGraceTimer(clientId: number) {
    clearTimeout(graceTimers.get(clientId));
    graceTimers.delete(clientId);
  }

  function armGraceTimer(row: ClientRow) {
    clearGraceTimer(row.id);
    const delay = Math.max(0, (row.grace_deadline ?? clock.now()) - clock.now());
    const timer = setTimeout(() => {
      graceTimers.delete(row.id);
      expire(row).catch((err) => deps.onError('grace expiry', err));
    }, delay);
    timer.unref();
    graceTimers.set(row.id, timer);
  }

  async function connect(request: ConnectRequest): Promise<{ client: Client; connection: Connection; changed: boolean }> {
    const { companyId, userHost, socketId, tokenId } = request;
    return serial.run(identityKey(companyId, userHost), async () => {
      const meta = JSON.stringify(request.meta);
      // A socket repeating `client-connected` only refreshes its machine info; a new socket (the common case,
      // and all of a reconnect storm) goes straight to the one upsert.
      const { held } = request;
      const refreshed = held?.userHost === userHost && held.companyId === companyId
        ? await repo.updateMeta(db, held.clientId, held.generation, meta)
        : undefined;
      const alreadyThisSocket = refreshed?.socket_id === socketId && refreshed.is_connected === 1 && refreshed.is_reconnecting === 0;
      const row = alreadyThisSocket
        ? refreshed
        : await connects.load({ companyId, userHost, socketId, tokenId: tokenId ?? null, meta, nodeId: deps.nodeId, now: clock.now() });
      if (!alreadyThisSocket) {
        clearGraceTimer(row.id);
        announce('client-connected', row);
      }
      const connection = { clientId: row.id, generation: row.generation, companyId, userHost };
      return { client: toClient(row), connection, changed: !alreadyThisSocket };
    });
  }

  /** The connection dropped without `app-closed`. */
  function drop(connection: Connection): Promise<Client | undefined> {
    return serial.run(identityKey(connection.companyId, connection.userHost), async () => {
      const row = await repo.markReconnecting(db, connection.clientId, connection.generation, clock.now(), graceMs);
      if (!row) return undefined;
      announce('client-reconnecting', row);
      armGraceTimer(row);
      return toClient(row);
    });
  }

  /** The app is quitting on purpose, or its token was revoked: disconnected at once, no grace. */
  function close(connection: Connection, reason: DisconnectReason = 'app_closed'): Promise<Client | undefined> {
    return serial.run(identityKey(connection.companyId, connection.userHost), async () => {
      const row = await repo.markClosed(db, connection.clientId, connection.generation, clock.now(), reason);
      if (!row) return undefined;
      clearGraceTimer(row.id);
      announce('client-disconnected', row);
      return toClient(row);
    });
  }

  /**
   * An enrollment token was revoked: its agents stop (the handshake refuses them from now on), so its clients are
   * disconnected at once, reconnecting ones too, rather than after a grace period for a return that cannot come.
   */
  async function revokeToken(tokenId: number): Promise<void> {
    for (const row of await repo.closeClientsOfToken(db, tokenId, clock.now())) {
      clearGraceTimer(row.id);
      announce('client-disconnected', row);
    }
  }

  function expire(target: Pick<ClientRow, 'id' | 'generation' | 'company_id' | 'user_host'>) {
    return serial.run(identityKey(target.company_id, target.user_host), async () => {
      const row = await repo.expireGrace(db, target.id, target.generation, clock.now());
      if (row) announce('client-disconnected', row);
      return row && toClient(row);
    });
  }

  /** Expires every stored deadline that passed, whichever node set it (restarts, dead nodes). */
  async function sweepExpired(): Promise<void> {
    for (const target of await repo.findExpired(db, clock.now())) {
      if (!graceTimers.has(target.id)) await expire(target);
    }
  }

  /** Hands this node's clients over to the grace period (at start-up after a crash, and at shutdown). */
  async function releaseNode(): Promise<number> {
    const dropped = await repo.releaseNodeClients(db, deps.nodeId, clock.now(), graceMs);
    for (const row of dropped) announce('client-reconnecting', row);
    return dropped.length;
  }

  /**
   * Clients of nodes found dead are reconnecting now (each announced by the one node whose update took it).
   * `on`: a database handle of its own, so that the hand-over does not queue behind the storm of connects it races.
   */
  async function releaseOrphans(on: Db = db): Promise<number> {
    const dropped = await repo.releaseOrphanedClients(on, clock.now(), graceMs);
    for (const row of dropped) announce('client-reconnecting', row);
    return dropped.length;
  }

  function stop() {
    for (const timer of graceTimers.values()) clearTimeout(timer);
    graceTimers.clear();
  }

  return { connect, drop, close, revokeToken, sweepExpired, releaseNode, releaseOrphans, stop };
}
