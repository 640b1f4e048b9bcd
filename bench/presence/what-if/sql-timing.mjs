// What-if experiment (not a server change): loaded with `--import` into our server process, it times every
// better-sqlite3 statement by its SQL text and, when the server exits, writes the totals (calls, ms, ms per
// call) to `$SQL_TIMING_FILE` (default: sql-timing-<pid>.json in the working directory), slowest first.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(path.join(process.cwd(), 'packages/server/package.json'));
const Database = require('better-sqlite3');
const totals = new Map();
const timed = (sql, run) => {
  const start = performance.now();
  try {
    return run();
  } finally {
    const entry = totals.get(sql) ?? { calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += performance.now() - start;
    totals.set(sql, entry);
  }
};
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (sql) {
  const statement = prepare.call(this, sql);
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statement[method];
    if (typeof original === 'function') statement[method] = (...args) => timed(sql, () => original.apply(statement, args));
  }
  return statement;
};
process.on('exit', () => {
  const rows = [...totals].map(([sql, t]) => ({ ms: Math.round(t.ms), calls: t.calls, perCallMs: +(t.ms / t.calls).toFixed(3), sql }));
  rows.sort((a, b) => b.ms - a.ms);
  fs.writeFileSync(process.env.SQL_TIMING_FILE ?? `sql-timing-${process.pid}.json`, JSON.stringify(rows, null, 2));
});
