import type { Client, DisconnectReason } from '@vaahshare/protocol';
import DataLoader from 'dataloader';
import type { Db } from '../db/database.js';
import type { ClientRow } from '../db/schema.js';
import type { DomainEventBus } from '../events/domain-events.js';
import type { Clock } from '../infra/clock.js';
import { KeyedSerial } from '../infra/serial.js';
import { spacedBatches } from '../infra/spaced-batches.js';
import { clientView, toClient } from './client-view.js';
import { decideDevice, enrolledMeanwhile } from './device-credential.js';
import type { NewClientBudget, Reservation } from './new-clients.js';
import * as repo from './presence.repository.js';

const { identityKey } = repo;

export interface PresenceDeps {
  db: Db;
  clock: Clock;
  graceMs: number;
  nodeId: string;
  /** Where transitions are announced: once per transition, in the order of the transitions. */
  events: DomainEventBus;
  onError: (what: string, err: unknown) => void;
  /** How many new identities each enrollment token may add (none: no limit, as in fast tests). */
  newClients?: Pick<NewClientBudget, 'reserve'>;
  /** Whether a dashboard may hear a transition now (none: always, as in fast tests). */
  heard?: () => boolean;
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
  /** A token-less original client (PROTOCOL.md §6): exempt from device credentials on identities no agent enrolled. */
  legacy?: boolean;
  /** What the connection sent as `device_secret`. */
  deviceSecret?: string;
  meta: Record<string, unknown>;
  /** The connection the requesting socket already holds, if it sent `client-connected` before. */
  held?: Connection;
}

export type Presence = ReturnType<typeof createPresence>;

/** Writes a connect; a new identity's place in its token's budget is settled with whether it was written. */
async function writeConnect(connects: DataLoader<repo.ConnectInput, ClientRow | undefined>, input: repo.ConnectInput, reservation?: Reservation) {
  let row: ClientRow | undefined;
  try {
    row = await connects.load(input);
  } finally {
    reservation?.settle(row !== undefined);
  }
  return row;
}

/**
 * In a reconnect storm each batch of reads or writes waits until this long after the previous one, so that one
 * commit carries tens of connects rather than one or two (a lone connect waits for nothing).
 */
const STORM_BATCH_SPACING_MS = 20;

/**
 * Connects that arrive together are written together (one transaction: STORM_BATCH_SPACING_MS). Should the batch
 * fail, each is tried alone, so one bad connect cannot fail the others.
 */
const batchedConnects = (db: Db) =>
  new DataLoader<repo.ConnectInput, ClientRow | undefined>(
    (inputs) =>
      repo.connectClients(db, inputs).catch(() =>
        Promise.all(inputs.map((input) => repo.connectClients(db, [input]).then(([row]) => row, (err: Error) => err))),
      ),
    { cache: false, maxBatchSize: 500, batchScheduleFn: spacedBatches(STORM_BATCH_SPACING_MS) },
  );

/** The stored device secret hash of each identity (null: not enrolled; undefined: a new identity), read for connects that arrive together. */
const batchedSecretHashes = (db: Db) =>
  new DataLoader<{ companyId: number; userHost: string }, string | null | undefined>(
    async (identities) => {
      const stored = await repo.findDeviceSecretHashes(db, identities);
      return identities.map((i) => stored.get(identityKey(i.companyId, i.userHost)));
    },
    { cache: false, maxBatchSize: 500, batchScheduleFn: spacedBatches(STORM_BATCH_SPACING_MS) },
  );

/**
 * A socket repeating `client-connected` only refreshes its machine info: the refreshed row if this socket still
 * holds the live connection. A new socket (the common case, and all of a reconnect storm) goes to the one upsert.
 */
async function refreshedBySameSocket(db: Db, { held, companyId, userHost, socketId, meta }: ConnectRequest): Promise<ClientRow | undefined> {
  if (held?.userHost !== userHost || held.companyId !== companyId) return undefined;
  const row = await repo.updateMeta(db, held.clientId, held.generation, JSON.stringify(meta));
  return row?.socket_id === socketId && row.is_connected === 1 && row.is_reconnecting === 0 ? row : undefined;
}

/** This node's timers of the grace periods it started: each expires its client when the stored deadline comes. */
function createGraceTimers(clock: Clock, expire: (row: ClientRow) => void) {
  const timers = new Map<number, NodeJS.Timeout>();
  const clear = (clientId: number) => {
    clearTimeout(timers.get(clientId));
    timers.delete(clientId);
  };
  return {
    clear,
    has: (clientId: number) => timers.has(clientId),
    arm(row: ClientRow) {
      clear(row.id);
      const delay = Math.max(0, (row.grace_deadline ?? clock.now()) - clock.now());
      const timer = setTimeout(() => {
        timers.delete(row.id);
        expire(row);
      }, delay);
      timer.unref();
      timers.set(row.id, timer);
    },
    stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

/**
 * The presence lifecycle: connected → reconnecting → disconnected (PROTOCOL.md §4).
 * Every transition is a guarded database update; only the caller whose update changed a row announces it.
 */
export function createPresence(deps: PresenceDeps) {
  const { db, clock, graceMs } = deps;
  const serial = new KeyedSerial<string>();
  const connects = batchedConnects(db);
  const secretHashes = batchedSecretHashes(db);
  const graceTimers = createGraceTimers(clock, (row) => void expire(row).catch((err) => deps.onError('grace expiry', err)));

  type Transition = 'client-connected' | 'client-reconnecting' | 'client-gone';
  /** Announces the row's transition; answers the client as announced (one view of the row for both). */
  const announce = (event: Transition, row: ClientRow, client = toClient(row)): Client => {
    deps.events.emit(event, client);
    return client;
  };
  const announceEach = (event: Transition, rows: ClientRow[]) => rows.map((row) => announce(event, row)).length;

  /**
   * A new connection of `(companyId, userHost)`, if its device may connect as it (PROTOCOL.md §2 "Device
   * credential"); a refused one throws and changes nothing. `deviceSecret`: issued when this connection enrolled it.
   */
  async function connectNew(request: ConnectRequest): Promise<{ row: ClientRow; client: Client; deviceSecret?: string }> {
    const { companyId, userHost, tokenId } = request;
    const storedHash = await secretHashes.load({ companyId, userHost });
    const device = decideDevice({ userHost, legacy: request.legacy ?? false, presented: request.deviceSecret, storedHash: storedHash ?? null });
    if (device.kind === 'refused') throw device.error;
    // A new identity counts against its token's hourly budget while it is written (then as written).
    const reservation = storedHash === undefined && tokenId ? await deps.newClients?.reserve(tokenId, userHost) : undefined;
    const meta = JSON.stringify(request.meta);
    const input = { companyId, userHost, socketId: request.socketId, tokenId: tokenId ?? null, meta, nodeId: deps.nodeId, now: clock.now() };
    const row = await writeConnect(connects, { ...input, deviceSecretHash: device.hash }, reservation);
    if (!row) throw enrolledMeanwhile(userHost);
    graceTimers.clear(row.id);
    const client = announce('client-connected', row, clientView(row, request.meta));
    return { row, client, ...(device.kind === 'enroll' && { deviceSecret: device.secret }) };
  }

  async function connect(request: ConnectRequest): Promise<{ client: Client; connection: Connection; changed: boolean; deviceSecret?: string }> {
    const { companyId, userHost } = request;
    return serial.run(identityKey(companyId, userHost), async () => {
      // The socket already holding this client's connection proved its device when it made it.
      const refreshed = await refreshedBySameSocket(db, request);
      const { row, client, deviceSecret } = refreshed ? { row: refreshed, client: toClient(refreshed) } : await connectNew(request);
      const connection = { clientId: row.id, generation: row.generation, companyId, userHost };
      return { client, connection, changed: !refreshed, ...(deviceSecret && { deviceSecret }) };
    });
  }

  /** The connection dropped without `app-closed`. */
  function drop(connection: Connection): Promise<Client | undefined> {
    return serial.run(identityKey(connection.companyId, connection.userHost), async () => {
      const row = await repo.markReconnecting(db, connection.clientId, connection.generation, clock.now(), graceMs);
      if (!row) return undefined;
      graceTimers.arm(row);
      return announce('client-reconnecting', row);
    });
  }

  /** The app is quitting on purpose, or its token was revoked: disconnected at once, no grace. */
  function close(connection: Connection, reason: DisconnectReason = 'app_closed'): Promise<Client | undefined> {
    return serial.run(identityKey(connection.companyId, connection.userHost), async () => {
      const row = await repo.markClosed(db, connection.clientId, connection.generation, clock.now(), reason);
      if (!row) return undefined;
      graceTimers.clear(row.id);
      return announce('client-gone', row);
    });
  }

  /**
   * An enrollment token was revoked: its agents stop (the handshake refuses them from now on), so its clients are
   * disconnected at once, reconnecting ones too, rather than after a grace period for a return that cannot come.
   */
  async function revokeToken(tokenId: number): Promise<void> {
    const closed = await repo.closeClientsOfToken(db, tokenId, clock.now());
    for (const row of closed) graceTimers.clear(row.id);
    announceEach('client-gone', closed);
  }

  function expire(target: Pick<ClientRow, 'id' | 'generation' | 'company_id' | 'user_host'>) {
    return serial.run(identityKey(target.company_id, target.user_host), async () => {
      const row = await repo.expireGrace(db, target.id, target.generation, clock.now());
      return row && announce('client-gone', row);
    });
  }

  /** Expires every stored deadline that passed, whichever node set it (restarts, dead nodes). */
  async function sweepExpired(): Promise<void> {
    for (const target of await repo.findExpired(db, clock.now())) {
      if (!graceTimers.has(target.id)) await expire(target);
    }
  }

  /**
   * Hands this node's clients over to the grace period (at start-up after a crash, and at shutdown). `lastSeenAt`: at
   * start-up, the node's last heartbeat before the crash. Each is announced only if a dashboard may hear it (not at a
   * single node's start-up: after a crash, a view and a broadcast per client, each to nobody, delay the listening).
   */
  async function releaseNode(lastSeenAt?: number): Promise<number> {
    if (deps.heard?.() ?? true) return announceEach('client-reconnecting', await repo.releaseNodeClients(db, deps.nodeId, clock.now(), graceMs, lastSeenAt));
    const count = await repo.releaseNodeClientsUntold(db, deps.nodeId, clock.now(), graceMs, lastSeenAt);
    deps.events.emit('clients-released', { count });
    return count;
  }

  /**
   * Clients of nodes found dead are reconnecting now (each announced by the one node whose update took it).
   * `on`: a database handle of its own, so that the hand-over does not queue behind the storm of connects it races.
   */
  async function releaseOrphans(on: Db = db): Promise<number> {
    return announceEach('client-reconnecting', await repo.releaseOrphanedClients(on, clock.now(), graceMs));
  }

  return { connect, drop, close, revokeToken, sweepExpired, releaseNode, releaseOrphans, stop: graceTimers.stop };
}
