import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connected, machineInfo, openSocket, tempDir, type TestServer } from '@vaahshare/testkit';
import { agentArgs, runAgent } from './agent-process.js';
import { serverWithAdmin } from './helpers.js';

const secretFile = (dataDir: string, userHost: string) => path.join(dataDir, 'spool', userHost, 'device-secret.json');

describe('the agent’s device credential (real agent processes, real server)', () => {
  let t: TestServer;
  before(async () => ({ t } = await serverWithAdmin()));
  after(() => t.dispose());

  test('the agent keeps the secret it enrolled with (0600) and comes back with it; a copy elsewhere without it is refused', async () => {
    const dataDir = tempDir('vaahshare-agent-');
    const first = runAgent(agentArgs(t.url, 'owner@pc', dataDir));
    try {
      await first.waitFor(/connected to/);
      const file = secretFile(dataDir, 'owner@pc');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { server: string; secret: string };
      assert.equal(stored.server, t.url);
      const row = await t.server.ctx.db.selectFrom('clients').select('device_secret_hash').where('user_host', '=', 'owner@pc').executeTakeFirstOrThrow();
      assert.equal(row.device_secret_hash, createHash('sha256').update(stored.secret).digest('hex'), 'the server keeps only its hash');

      // Someone with the company token but not the secret cannot connect as this desktop while it runs.
      const impostor = openSocket(t.url);
      await connected(impostor);
      const refused = await impostor.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo('owner@pc') });
      assert.equal(!refused.ok && refused.error, 'device_secret_required');
      impostor.disconnect();
      assert.equal(await first.stop('SIGINT'), 0, first.output());
    } finally {
      await first.stop('SIGKILL');
    }

    const again = runAgent(agentArgs(t.url, 'owner@pc', dataDir));
    try {
      await again.waitFor(/connected to/);
      assert.equal(await again.stop('SIGINT'), 0, again.output());
    } finally {
      await again.stop('SIGKILL');
    }

    // Another installation (another data directory) claiming the same identity stops and says what to do.
    const other = runAgent(agentArgs(t.url, 'owner@pc', tempDir('vaahshare-agent-')));
    try {
      assert.equal(await other.exited, 1);
      assert.match(other.output(), /client-connected refused: owner@pc is enrolled by a device.*an admin resets its enrollment/);
    } finally {
      await other.stop('SIGKILL');
    }
  });
});
