import { PostgresAdapter, sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { DisconnectReason } from '@vaahshare/protocol';
import type { ClientRow, Database, PresenceEventsTable } from '../db/schema.js';

type State = PresenceEventsTable['state'];

export interface ConnectInput {
  companyId: number;
  userHost: string;
  socketId: string;
  /** The enrollment token the socket connected with (null: an original client). */
  tokenId: number | null;
  meta: string;
  nodeId: string;
  now: number;
  /** The device secret hash the connection proved or enrolled (null: an original client on an unenrolled identity). */
  deviceSecretHash: string | null;
}

/**
 * The socket an event recorded is kept only for an original client (no token): its REST calls name the socket, maybe
 * an earlier one (legacy.repository.ts); nothing looks up an agent's (migration 017).
 */
const socketKept = (row: ClientRow) => (row.token_id === null ? row.socket_id : null);

async function recordEvents(db: Db, rows: ClientRow[], state: State, now: number) {
  // Several hundred rows per statement stays under SQLite's bound-parameter limit.
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((r) => ({ client_id: r.id, state, socket_id: socketKept(r), at: now }));
    await db.insertInto('presence_events').values(values).execute();
  }
}

/**
 * The group a new client of `companyId` lands in: its enrollment token's, else the company's default group. Evaluated
 * in the insert itself, so a connect needs no query more (and an existing client keeps its group).
 */
const groupOfNewClient = (companyId: number, tokenId: number | null) =>
  sql<number>`coalesce((select group_id from enrollment_tokens where id = ${tokenId ?? 0} and company_id = ${companyId}), (select id from client_groups where company_id = ${companyId} and is_default = 1))`;

export const findClientByIdentity = (db: Db, companyId: number, userHost: string) =>
  db
    .selectFrom('clients')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('user_host', '=', userHost)
    .executeTakeFirst();

/**
 * The client `(companyId, userHost)`, created disconnected (generation 0, no socket) when it never connected:
 * an upload of a recording made offline may come first. An existing client is left as it is.
 */
export async function ensureClient(db: Db, companyId: number, userHost: string, now: number, tokenId: number | null = null): Promise<ClientRow> {
  await db
    .insertInto('clients')
    .values({
      company_id: companyId,
      group_id: groupOfNewClient(companyId, tokenId),
      user_host: userHost,
      socket_id: null,
      meta: '{}',
      is_connected: 0,
      is_reconnecting: 0,
      is_streaming: 0,
      generation: 0,
      node_id: null,
      grace_deadline: null,
      last_seen_at: null,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['company_id', 'user_host']).doNothing())
    .execute();
  const row = await findClientByIdentity(db, companyId, userHost);
  if (!row) throw new Error(`client ${userHost} of company ${companyId} vanished right after it was ensured`);
  return row;
}

/** The clients whose current token is `tokenId` created after `since`: how many, and the first one's time. */
export async function newClientsOfToken(db: Db, tokenId: number, since: number): Promise<{ count: number; oldest: number | null }> {
  const row = await db
    .selectFrom('clients')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('created_at').as('oldest')])
    .where('token_id', '=', tokenId)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), oldest: row.oldest === null ? null : Number(row.oldest) };
}

/**
 * The device secret hashes stored for these identities (null: not enrolled; absent: no such client), in one query
 * per batch: a reconnect storm reads them all at once.
 */
export async function findDeviceSecretHashes(db: Db, identities: readonly { companyId: number; userHost: string }[]): Promise<Map<string, string | null>> {
  const rows = await db
    .selectFrom('clients')
    .select(['company_id', 'user_host', 'device_secret_hash'])
    // Both columns, so the lookup uses the (company_id, user_host) index: by user_host alone it scans every client.
    .where('company_id', 'in', [...new Set(identities.map((i) => i.companyId))])
    .where('user_host', 'in', [...new Set(identities.map((i) => i.userHost))])
    .execute();
  return new Map(rows.map((row) => [identityKey(row.company_id, row.user_host), row.device_secret_hash]));
}

/** Forgets a client's device secret: its next connection enrolls it again. */
export const resetDeviceSecret = (db: Db, clientId: number) =>
  db.updateTable('clients').set({ device_secret_hash: null }).where('id', '=', clientId).returningAll().executeTakeFirst();

/** Names a client by what identifies it: its company and its `user_host`. */
export const identityKey = (companyId: number, userHost: string) => `${companyId}\u0000${userHost}`;

/**
 * Makes each input's socket its client's connection (a new generation, connected, grace cleared) with one
 * upsert in one transaction: in a reconnect storm, per-statement work and commits are what cost.
 * The inputs must name distinct clients. An input whose device secret hash is no longer the stored one (another
 * node enrolled the identity since it was read) changes nothing: its row is undefined.
 * The upsert leaves an existing client's node and token alone: they are indexed, and SQLite rewrites an indexed
 * column's entry whenever an UPDATE sets it, changed or not (migration 018). `reassign` sets them where they differ.
 */
export function connectClients(db: Db, inputs: readonly ConnectInput[]): Promise<(ClientRow | undefined)[]> {
  const keys = inputs.map((input) => identityKey(input.companyId, input.userHost));
  if (new Set(keys).size !== keys.length) return Promise.reject(new Error('connectClients: a client appears twice'));
  return db.transaction().execute(async (trx) => {
    const upserted = await trx
      .insertInto('clients')
      .values(
        inputs.map((input) => ({
          company_id: input.companyId,
          group_id: groupOfNewClient(input.companyId, input.tokenId),
          user_host: input.userHost,
          socket_id: input.socketId,
          meta: input.meta,
          is_connected: 1,
          is_reconnecting: 0,
          is_streaming: 0,
          generation: 1,
          node_id: input.nodeId,
          grace_deadline: null,
          last_seen_at: input.now,
          disconnect_reason: null,
          token_id: input.tokenId,
          device_secret_hash: input.deviceSecretHash,
          created_at: input.now,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['company_id', 'user_host'])
          .doUpdateSet((eb) => ({
          socket_id: eb.ref('excluded.socket_id'),
          meta: eb.ref('excluded.meta'),
          is_connected: 1,
          is_reconnecting: 0,
          is_streaming: 0,
          generation: sql<number>`clients.generation + 1`,
          grace_deadline: null,
          last_seen_at: eb.ref('excluded.last_seen_at'),
          disconnect_reason: null,
          device_secret_hash: eb.ref('excluded.device_secret_hash'),
        }))
          // Unenrolled, or enrolled with the very hash this connection proved: a concurrent enrollment elsewhere wins.
          .where((eb) => eb.or([eb('clients.device_secret_hash', 'is', null), eb('clients.device_secret_hash', '=', eb.ref('excluded.device_secret_hash'))])),
      )
      .returningAll()
      .execute();
    // RETURNING promises no order: rows are matched to inputs by identity.
    const inputOf = new Map(inputs.map((input, i) => [keys[i], input]));
    const written = await reassign(trx, upserted, (row) => inputOf.get(identityKey(row.company_id, row.user_host))!);
    await recordEvents(trx, written, 'connected', Math.max(...inputs.map((i) => i.now)));
    const byIdentity = new Map(written.map((row) => [identityKey(row.company_id, row.user_host), row]));
    return keys.map((key) => byIdentity.get(key));
  });
}

/**
 * Sets the node and token of the just connected rows whose stored ones differ from their connection's (a client that
 * moved to this node or came with another token), one update per node and token; the other rows as they are.
 */
async function reassign(trx: Db, rows: ClientRow[], inputOf: (row: ClientRow) => ConnectInput): Promise<ClientRow[]> {
  const groups = new Map<string, { nodeId: string; tokenId: number | null; ids: number[] }>();
  for (const row of rows) {
    const { nodeId, tokenId } = inputOf(row);
    if (row.node_id === nodeId && row.token_id === tokenId) continue;
    const key = `${nodeId}\u0000${tokenId}`;
    const group = groups.get(key) ?? { nodeId, tokenId, ids: [] };
    group.ids.push(row.id);
    groups.set(key, group);
  }
  if (!groups.size) return rows;
  const reassigned = new Map<number, ClientRow>();
  for (const { nodeId, tokenId, ids } of groups.values()) {
    const updated = await trx.updateTable('clients').set({ node_id: nodeId, token_id: tokenId }).where('id', 'in', ids).returningAll().execute();
    for (const row of updated) reassigned.set(row.id, row);
  }
  return rows.map((row) => reassigned.get(row.id) ?? row);
}

export const updateMeta = (db: Db, clientId: number, generation: number, meta: string) =>
  db
    .updateTable('clients')
    .set({ meta })
    .where('id', '=', clientId)
    .where('generation', '=', generation)
    .returningAll()
    .executeTakeFirst();

/** Sets one key of a client's meta (the rest as `client-connected` left it), only if `generation` is still its connection. */
export function setMetaKey(db: Db, clientId: number, generation: number, key: string, value: unknown) {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('clients').select('meta').where('id', '=', clientId).where('generation', '=', generation).executeTakeFirst();
    if (!row) return undefined;
    return updateMeta(trx, clientId, generation, JSON.stringify({ ...(JSON.parse(row.meta) as object), [key]: value }));
  });
}

/** The columns of a client that just became reconnecting: its grace deadline starts now. */
const reconnectingFrom = (now: number, graceMs: number, lastSeenAt = now) =>
  ({ is_reconnecting: 1, is_streaming: 0, grace_deadline: now + graceMs, last_seen_at: lastSeenAt }) as const;

/** Connected → reconnecting, only if `generation` is still the client's connection. */
export function markReconnecting(db: Db, clientId: number, generation: number, now: number, graceMs: number) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('clients')
      .set(reconnectingFrom(now, graceMs))
      .where('id', '=', clientId)
      .where('generation', '=', generation)
      .where('is_connected', '=', 1)
      .where('is_reconnecting', '=', 0)
      .returningAll()
      .executeTakeFirst();
    if (row) await recordEvents(trx, [row], 'reconnecting', now);
    return row;
  });
}

/** Connected → disconnected at once (`app-closed`, a revoked token), only for the client's current connection. */
export function markClosed(db: Db, clientId: number, generation: number, now: number, reason: DisconnectReason) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('clients')
      .set({ is_connected: 0, is_reconnecting: 0, is_streaming: 0, grace_deadline: null, last_seen_at: now, disconnect_reason: reason })
      .where('id', '=', clientId)
      .where('generation', '=', generation)
      .where('is_connected', '=', 1)
      .returningAll()
      .executeTakeFirst();
    if (row) await recordEvents(trx, [row], 'disconnected', now);
    return row;
  });
}

/** Connected or reconnecting → disconnected for every client whose connection came with a token now revoked. */
export function closeClientsOfToken(db: Db, tokenId: number, now: number) {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .updateTable('clients')
      .set({
        is_connected: 0,
        is_reconnecting: 0,
        is_streaming: 0,
        grace_deadline: null,
        // A reconnecting client was last seen when it dropped.
        last_seen_at: sql<number>`case when is_reconnecting = 1 then last_seen_at else ${now} end`,
        disconnect_reason: 'token_revoked',
      })
      .where('token_id', '=', tokenId)
      .where('is_connected', '=', 1)
      .returningAll()
      .execute();
    await recordEvents(trx, rows, 'disconnected', now);
    return rows;
  });
}

/** Reconnecting → disconnected when the stored deadline passed and no newer connection exists. */
export function expireGrace(db: Db, clientId: number, generation: number, now: number) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('clients')
      .set({ is_connected: 0, is_reconnecting: 0, grace_deadline: null, disconnect_reason: 'grace_expired' })
      .where('id', '=', clientId)
      .where('generation', '=', generation)
      .where('is_reconnecting', '=', 1)
      .where('grace_deadline', '<=', now)
      .returningAll()
      .executeTakeFirst();
    if (row) await recordEvents(trx, [row], 'disconnected', now);
    return row;
  });
}

export const findExpired = (db: Db, now: number) =>
  db
    .selectFrom('clients')
    .select(['id', 'generation', 'company_id', 'user_host'])
    .where('is_reconnecting', '=', 1)
    .where('grace_deadline', '<=', now)
    .execute();

/** This node's clients that are connected (held by it before a crash, or now at its shutdown). */
const heldBy = (eb: ExpressionBuilder<Database, 'clients'>, nodeId: string) =>
  eb.and([eb('node_id', '=', nodeId), eb('is_connected', '=', 1), eb('is_reconnecting', '=', 0)]);

/** This node's clients already reconnecting could not come back while it was down: their grace starts again. */
const restartGrace = (trx: Db, nodeId: string, deadline: number) =>
  trx.updateTable('clients').set({ grace_deadline: deadline }).where('node_id', '=', nodeId).where('is_reconnecting', '=', 1).where('grace_deadline', '<', deadline).execute();

/**
 * After this node restarted or before it stops: every client it held becomes reconnecting with a fresh
 * deadline. Guarded by node, so clients that already came back on another node are left alone.
 * `lastSeenAt`: when they were last known to be there (after a crash, the node's last heartbeat; not now).
 */
export function releaseNodeClients(db: Db, nodeId: string, now: number, graceMs: number, lastSeenAt = now) {
  return db.transaction().execute(async (trx) => {
    const dropped = await trx
      .updateTable('clients')
      .set(reconnectingFrom(now, graceMs, Math.min(lastSeenAt, now)))
      .where((eb) => heldBy(eb, nodeId))
      .returningAll()
      .execute();
    await recordEvents(trx, dropped, 'reconnecting', now);
    await restartGrace(trx, nodeId, now + graceMs);
    return dropped;
  });
}

/**
 * The same when nobody is told of each client (no dashboard can hear it), returning how many were released: their
 * history is written from the rows in the database, none is read back (10 000 clients held at a crash: ~30 ms of the
 * restart's start-up instead of ~250, bench/presence/release.ts). SQLite only, where one transaction at a time writes;
 * on PostgreSQL another node may change a row between the two statements: the rows are read back to record exactly
 * what changed.
 */
export async function releaseNodeClientsUntold(db: Db, nodeId: string, now: number, graceMs: number, lastSeenAt = now): Promise<number> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return (await releaseNodeClients(db, nodeId, now, graceMs, lastSeenAt)).length;
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('presence_events')
      .columns(['client_id', 'state', 'socket_id', 'at'])
      .expression(
        trx
          .selectFrom('clients')
          .where((eb) => heldBy(eb, nodeId))
          .select((eb) => [
            'id',
            sql.lit<State>('reconnecting').as('state'),
            // As recordEvents keeps it: an original client's socket only.
            eb.case().when('token_id', 'is', null).then(eb.ref('socket_id')).end().as('socket_id'),
            sql.lit(now).as('at'),
          ]),
      )
      .execute();
    const released = await trx
      .updateTable('clients')
      .set(reconnectingFrom(now, graceMs, Math.min(lastSeenAt, now)))
      .where((eb) => heldBy(eb, nodeId))
      .executeTakeFirstOrThrow();
    await restartGrace(trx, nodeId, now + graceMs);
    return Number(released.numUpdatedRows);
  });
}

/** Rows claimed per statement when releasing a dead node's clients: short transactions beside a connect storm. */
const RELEASE_CHUNK = 500;

/**
 * Clients still connected on a node that is gone (its `cluster_nodes` row was removed once its heartbeat
 * stopped) become reconnecting with a grace deadline; those already reconnecting keep their deadline.
 * Guarded, so that of several nodes doing it at once each client goes to exactly one, which announces it.
 * On PostgreSQL the rows are claimed with `FOR UPDATE SKIP LOCKED` in small chunks: a client that is
 * reconnecting on another node right now is skipped (it is no orphan once that commits), and the release
 * never waits for, or deadlocks with, the connects it races.
 */
export async function releaseOrphanedClients(db: Db, now: number, graceMs: number): Promise<ClientRow[]> {
  const rowLocks = db.getExecutor().adapter instanceof PostgresAdapter;
  const released: ClientRow[] = [];
  for (;;) {
    const chunk = await db.transaction().execute(async (trx) => {
      const orphans = trx
        .selectFrom('clients')
        .select('id')
        .where('is_connected', '=', 1)
        .where('is_reconnecting', '=', 0)
        .where('node_id', 'not in', trx.selectFrom('cluster_nodes').select('id'))
        .orderBy('id')
        .limit(RELEASE_CHUNK)
        .$if(rowLocks, (q) => q.forUpdate().skipLocked());
      const dropped = await trx
        .updateTable('clients')
        .set(reconnectingFrom(now, graceMs))
        .where('id', 'in', orphans)
        .where('is_connected', '=', 1)
        .where('is_reconnecting', '=', 0)
        .returningAll()
        .execute();
      await recordEvents(trx, dropped, 'reconnecting', now);
      return dropped;
    });
    released.push(...chunk);
    if (chunk.length < RELEASE_CHUNK) return released;
  }
}

export async function countByState(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('clients')
    .select(['is_connected', 'is_reconnecting', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['is_connected', 'is_reconnecting'])
    .execute();
  const counts: Record<string, number> = {};
  for (const r of rows) {
    const state = !r.is_connected ? 'disconnected' : r.is_reconnecting ? 'reconnecting' : 'connected';
    counts[state] = (counts[state] ?? 0) + Number(r.n);
  }
  return counts;
}

export const presenceHistory = (db: Db, clientId: number, limit: number) =>
  db
    .selectFrom('presence_events')
    .select(['state', 'at'])
    .where('client_id', '=', clientId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
