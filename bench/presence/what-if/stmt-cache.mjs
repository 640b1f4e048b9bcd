// What-if experiment (not a server change): loaded with `--import` into the server process, it makes
// better-sqlite3 reuse prepared statements per SQL text, as a statement cache in the server's
// SQLite driver would. Kysely's SqliteDriver calls `db.prepare(sql)` on every query.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../../packages/server/package.json', import.meta.url));
const Database = require('better-sqlite3');
const original = Database.prototype.prepare;
const caches = new WeakMap();
const LIMIT = 500;

Database.prototype.prepare = function prepare(sql) {
  let cache = caches.get(this);
  if (!cache) caches.set(this, (cache = new Map()));
  let statement = cache.get(sql);
  if (statement) {
    // Most recently used last.
    cache.delete(sql);
  } else {
    statement = original.call(this, sql);
    if (cache.size >= LIMIT) cache.delete(cache.keys().next().value);
  }
  cache.set(sql, statement);
  return statement;
};
