import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { tempDir } from '@vaahshare/testkit';
import { openDatabase } from './database.js';

// Where SQLite would put its temporary files; read once, when SQLite first starts in this process (below).
const sqliteTmp = tempDir('vaahshare-sqlite-tmp-');
process.env.SQLITE_TMPDIR = sqliteTmp;
after(() => fs.rmSync(sqliteTmp, { recursive: true, force: true }));

/** The files this process holds open under `dir`: SQLite unlinks its temporary files at once, so only /proc sees them. */
function openFilesUnder(dir: string): string[] {
  return fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(path.join('/proc/self/fd', fd));
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(dir));
}

/**
 * A multi-row write inside a transaction keeps a statement journal of the pages it changes; beyond 64 KiB SQLite's
 * default spills it to a temporary file outside DATA_DIR — pages of clients' rows on another disk, a system call per
 * page. The server keeps temporary files in memory (database.ts).
 */
test('a big write inside a transaction leaves no temporary file outside DATA_DIR', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const dataDir = tempDir();
  const handle = await openDatabase({ dataDir });
  after(async () => {
    await handle.db.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const { db } = handle;
  await sql`create table journal_probe (id integer primary key, payload text not null)`.execute(db);
  await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000) insert into journal_probe (payload) select printf('%0500d', i) from n`.execute(db);
  const openDuringTransaction = await db.transaction().execute(async (trx) => {
    await sql`insert into journal_probe (payload) values ('first change of the transaction')`.execute(trx);
    // ~1 MB of pages changed by one statement that may fail halfway (a NOT NULL column): it needs a statement journal.
    await sql`update journal_probe set payload = payload || 'x'`.execute(trx);
    return openFilesUnder(sqliteTmp);
  });

  assert.deepEqual(openDuringTransaction, [], 'SQLite held a temporary file outside DATA_DIR');
  assert.equal((await sql<{ temp_store: number }>`pragma temp_store`.execute(db)).rows[0]?.temp_store, 2, 'temp_store = MEMORY');
});
