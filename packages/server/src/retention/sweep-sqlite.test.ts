import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery, type KyselyPlugin } from 'kysely';
import { startServer } from '@vaahshare/testkit';
import { addOldRecordings } from '@vaahshare/testkit/recordings';
import { createDeleter } from './deleter.js';
import { refreshStatistics } from '../db/database.js';
import { claimBatch, setCompanyRule } from './retention.repository.js';
import { createRetentionSweep } from './sweep.js';

const RECORDINGS = 1200;

/** Counts the event loop's turns: a check-phase callback that schedules itself runs once per turn. */
function turnCounter() {
  let turn = 0;
  let counting = true;
  const tick = () => {
    turn++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  return { now: () => turn, stop: () => void (counting = false) };
}

test('the sweep gives the event loop a turn between its statements on recordings (SQLite runs each on the loop)', async () => {
  const t = await startServer();
  try {
    const { ctx } = t.server;
    const client = await t.server.clients.ensure(1, 'ana@pc-1');
    await addOldRecordings(ctx.db, t.dataDir, 1, client.id, RECORDINGS);
    // An age and a size rule: both walks, and the library's usage summed.
    await setCompanyRule(ctx.db, 1, 1, 1000);

    const turns = turnCounter();
    const mediaStatementTurns: number[] = [];
    const recordTurns: KyselyPlugin = {
      transformQuery: ({ node }) => {
        if (JSON.stringify(node).includes('"name":"media"')) mediaStatementTurns.push(turns.now());
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    const db = ctx.db.withPlugin(recordTurns);
    const deleter = createDeleter({ db, clock: ctx.clock, events: ctx.events, broadcast: ctx.broadcast, dataDir: t.dataDir, nodeId: ctx.config.NODE_ID });
    const sweep = createRetentionSweep({ db, clock: ctx.clock, deleter, exclusively: (fn) => fn(), refreshStatistics: async () => {} });
    const result = await sweep.sweep();
    turns.stop();

    assert.deepEqual(result, { deleted: RECORDINGS, bytes: RECORDINGS * 100 });
    const sharing = mediaStatementTurns.filter((turn, i) => turn === mediaStatementTurns[i - 1]);
    assert.deepEqual(sharing, [], `${mediaStatementTurns.length} statements on media ran in ${new Set(mediaStatementTurns).size} turns`);
  } finally {
    await t.dispose();
  }
});

// On SQLite only (scripts/test.mjs runs no *sqlite* file on PostgreSQL, whose autovacuum analyzes tables itself).
test('SQLite claims each batch by primary key once the sweep refreshed its statistics, not through the company index', async () => {
  const t = await startServer();
  try {
    const { ctx } = t.server;
    const client = await t.server.clients.ensure(1, 'ana@pc-1');
    const ids = await addOldRecordings(ctx.db, t.dataDir, 1, client.id, 1000);
    const plan = async () => {
      const claim = claimBatch(ctx.db, 1, ids.slice(0, 100), ctx.config.NODE_ID, Date.now()).compile();
      const explained = await ctx.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${claim.sql}`, [...claim.parameters]));
      return explained.rows.map((row) => row.detail).join('; ');
    };
    assert.doesNotMatch(await plan(), /PRIMARY KEY/, 'without statistics SQLite takes the company index (what this test guards against)');

    await refreshStatistics(ctx.database);
    assert.match(await plan(), /USING INTEGER PRIMARY KEY/);
  } finally {
    await t.dispose();
  }
});
