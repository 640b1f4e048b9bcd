import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { dialects, type Dialect } from './migrations/columns.js';
import { migrationProvider } from './migrations/index.js';
import { withStatementCache } from './statement-cache.js';
import { checkpointInWorker } from './wal-checkpointer.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
}

/**
 * The PostgreSQL driver is loaded only when a deployment uses it: every module loaded stays in the heap
 * that each full GC marks, and the SQLite default should not pay for it.
 */
async function loadPg() {
  const { default: pg } = await import('pg');
  // PostgreSQL returns int8 (our millisecond times) as strings; they fit a JS number.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  return pg;
}

export interface OpenDatabaseOptions {
  dataDir: string;
  databaseUrl?: string;
  /** Background work of the database failed (a PostgreSQL idle connection lost, a SQLite checkpoint): for the log. */
  onBackgroundError?: (err: Error) => void;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pg = await loadPg();
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle connection the server ends (restart, failover, a dropped database) is discarded by the pool and
    // the next query opens a new one; without a listener its 'error' event would crash the process.
    pool.on('error', (err) => options.onBackgroundError?.(err));
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: dialects.postgres };
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, 'vaahshare.sqlite');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // WAL + NORMAL survives a process crash (kill -9) without losing commits; only an OS crash may lose the last ones.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Temporary files in memory. A multi-row write inside a transaction (a reconnect storm's batch of connects) keeps a
  // statement journal of the pages it changed, to undo itself alone; beyond 64 KiB SQLite writes that journal to a
  // temporary file outside DATA_DIR (sqlite-temp-files.test.ts), a system call per page. In memory the connect path's SQL
  // takes a fifth less CPU (bench/presence/connect-sql.ts). Nothing durable lives there.
  sqlite.pragma('temp_store = MEMORY');
  const checkpoints = checkpointInWorker(sqlite, file, { onError: (err) => options.onBackgroundError?.(err) });
  const database = withStatementCache(sqlite, { beforeClose: checkpoints.stop });
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: dialects.sqlite };
}

export async function migrateToLatest({ db, dialect }: DatabaseHandle): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}

/**
 * Runs `fn` in one transaction that no other node runs at the same time: on PostgreSQL, where several nodes
 * share the database, under a transaction-scoped advisory lock; SQLite has a single node per database file.
 */
export function exclusively<T>({ db, dialect }: DatabaseHandle, lock: string, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (dialect.name === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${lock}))`.execute(trx);
    return fn(trx);
  });
}

/**
 * Brings SQLite's table statistics up to date when they are missing or stale (`PRAGMA optimize`: it analyzes only
 * tables that changed a lot, a bounded sample each, milliseconds at a million rows). Without them the planner
 * guesses: it claimed a batch of recordings by their ids through the company index instead of the primary key,
 * reading the company's whole library for each batch of a retention sweep. PostgreSQL's autovacuum keeps its own.
 */
export async function refreshStatistics({ db, dialect }: DatabaseHandle): Promise<void> {
  if (dialect.name === 'sqlite') await sql`pragma optimize`.execute(db);
}

export const toIso = (ms: number | null): string | null => (ms == null ? null : new Date(ms).toISOString());

/**
 * Runs `fn` unless another node runs it now (then answers `skipped`): on PostgreSQL under a session advisory
 * lock held on a connection of `lockDb` for as long as `fn` runs (released when it ends, or when the node dies
 * and its connection drops); `fn`'s own statements go through any pool and commit as they go. SQLite has one node.
 */
export async function onOneNodeAtATime<T>(lockDb: Db, dialect: Dialect, lock: string, fn: () => Promise<T>): Promise<T | 'skipped'> {
  if (dialect.name !== 'postgres') return fn();
  return lockDb.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtext(${lock})) as locked`.execute(connection);
    if (!rows[0]?.locked) return 'skipped';
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${lock}))`.execute(connection);
    }
  });
}
