import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { Migrator, sql } from 'kysely';
import { api, connectAgent, freshDatabaseEnv, login, startServer, tempDir } from '@vaahshare/testkit';
import { migrationProvider } from '../db/migrations/index.js';
import { openDatabase } from '../db/database.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('enrollment tokens at rest are hashes', () => {
  test('a token stored in plain text before the migration is hashed in place and still enrolls agents', async () => {
    const dataDir = tempDir();
    const database = await freshDatabaseEnv();
    const handle = await openDatabase({ dataDir, databaseUrl: database.env.DATABASE_URL });
    const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) });
    assert.equal((await migrator.migrateTo('009-device-secrets')).error, undefined);
    const plain = 'plain-text-token-from-an-old-release';
    await sql`insert into companies (name, idle_threshold_seconds, idle_message, created_at) values ('Old', 300, 'idle?', 1)`.execute(handle.db);
    await sql`insert into enrollment_tokens (company_id, token, label, created_at) values (1, ${plain}, 'old', 1)`.execute(handle.db);
    await handle.db.destroy();

    const t = await startServer({ DATA_DIR: dataDir, ...database.env, AGENT_TOKEN: 'a-new-agent-token-of-24-characters' });
    try {
      const rows = await t.server.ctx.db.selectFrom('enrollment_tokens').selectAll().orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => [r.token_hash, r.token_prefix]),
        [
          [sha256(plain), 'plain-'],
          [sha256('a-new-agent-token-of-24-characters'), 'a-new-'],
        ],
      );
      assert.ok(!JSON.stringify(rows).includes(plain), 'the plain token is nowhere in the table');
      const agent = await connectAgent(t.url, 'old@agent', { token: plain });
      assert.equal(agent.client.company_id, 1);
      agent.socket.disconnect();

      // Listed by prefix only; a new one is shown once, in the answer that created it.
      const admin = await login(t.url);
      const listed = await api(t.url, '/api/companies/1/tokens', { token: admin });
      assert.deepEqual(listed.body.data.map((row: Record<string, unknown>) => Object.keys(row).sort()), [
        ['company_id', 'created_at', 'group_id', 'id', 'label', 'revoked_at', 'token_prefix'],
        ['company_id', 'created_at', 'group_id', 'id', 'label', 'revoked_at', 'token_prefix'],
      ]);
      const created = await api(t.url, '/api/companies/1/tokens', { token: admin, body: { label: 'new' } });
      assert.equal(created.status, 201);
      assert.match(created.body.data.token, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(created.body.data.token_prefix, created.body.data.token.slice(0, 6));
      const stored = await t.server.ctx.db.selectFrom('enrollment_tokens').selectAll().where('id', '=', created.body.data.id).executeTakeFirstOrThrow();
      assert.equal(stored.token_hash, sha256(created.body.data.token));
    } finally {
      await t.dispose();
      await database.drop();
    }
  });
});
