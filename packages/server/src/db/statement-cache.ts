import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';

/**
 * Kysely's SQLite driver prepares every query again; SQLite's parser and planner then cost as much as
 * running the statement. The server issues a few dozen distinct statements, so each is prepared once.
 * better-sqlite3 statements are reusable as long as none is iterated while in use, which Kysely's
 * `all`/`run` never leave half done.
 */
export function withStatementCache(database: SQLite.Database, { max = 500, beforeClose }: { max?: number; beforeClose?: () => void } = {}): SqliteDatabase {
  const statements = new LRUCache<string, SQLite.Statement>({ max });
  return {
    close: () => {
      beforeClose?.();
      statements.clear();
      database.close();
    },
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
