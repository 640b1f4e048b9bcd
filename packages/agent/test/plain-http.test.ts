import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AGENT_TOKEN, startServer, tempDir, type TestServer } from '@vaahshare/testkit';
import { agentArgs, runAgent } from './agent-process.js';

// A server at a plain http:// address that is not this machine's name for itself (127.0.0.2 is still loopback: no
// traffic leaves the machine, but to the agent it is "another machine" as 192.0.2.7 would be).
const REFUSAL = /Refusing plain http:\/\/ to 127\.0\.0\.2:\d+: the enrollment token, the device secret and the screen would cross the network unencrypted\. Use the server's https:\/\/ address .* or add --insecure if you accept/;

describe('the agent refuses plain http:// to another machine unless --insecure (real agent processes)', () => {
  let t: TestServer;
  let remote: string;
  before(async () => {
    t = await startServer({ HOST: '127.0.0.2' });
    remote = `http://127.0.0.2:${t.port}`;
  });
  after(() => t.dispose());

  const clientRows = () => t.server.ctx.db.selectFrom('clients').select('user_host').execute();

  test('start: refused with what to do, nothing sent; with --insecure it connects', async () => {
    const dataDir = tempDir('vaahshare-agent-');
    const refused = runAgent(agentArgs(remote, 'plain@http-1', dataDir, ['--no-window']));
    assert.equal(await refused.exited, 1);
    assert.match(refused.output(), REFUSAL);
    assert.deepEqual(await clientRows(), []);

    const allowed = runAgent(agentArgs(remote, 'plain@http-1', dataDir, ['--no-window', '--insecure']));
    try {
      await allowed.waitFor(/connected to http:\/\/127\.0\.0\.2/);
      assert.equal(await allowed.stop('SIGINT'), 0, allowed.output());
    } finally {
      await allowed.stop('SIGKILL');
    }
    assert.deepEqual((await clientRows()).map((r) => r.user_host), ['plain@http-1']);
  });

  test('setup saves --insecure with the server, so `start` from the config keeps working; localhost needs no flag', async () => {
    const config = path.join(tempDir('vaahshare-config-'), 'config.json');
    const refused = runAgent(['setup', '--server', remote, '--token', AGENT_TOKEN, '--config', config]);
    assert.equal(await refused.exited, 1);
    assert.match(refused.output(), REFUSAL);
    assert.equal(fs.existsSync(config), false, 'nothing saved');

    const saved = runAgent(['setup', '--server', remote, '--token', AGENT_TOKEN, '--config', config, '--insecure']);
    assert.equal(await saved.exited, 0, saved.output());
    assert.deepEqual(JSON.parse(fs.readFileSync(config, 'utf8')), { server: remote, token: AGENT_TOKEN, insecure: true });

    const started = runAgent(['start', '--config', config, '--user-host', 'plain@http-2', '--data-dir', tempDir('vaahshare-agent-'), '--source', 'test', '--size', '320x240', '--no-window']);
    try {
      await started.waitFor(/connected to http:\/\/127\.0\.0\.2/);
      assert.equal(await started.stop('SIGINT'), 0, started.output());
    } finally {
      await started.stop('SIGKILL');
    }

    const localConfig = path.join(tempDir('vaahshare-config-'), 'config.json');
    const local = runAgent(['setup', '--server', `http://localhost:${t.port}`, '--token', AGENT_TOKEN, '--config', localConfig, '--no-check']);
    assert.equal(await local.exited, 0, local.output());
    assert.deepEqual(JSON.parse(fs.readFileSync(localConfig, 'utf8')), { server: `http://localhost:${t.port}`, token: AGENT_TOKEN });
  });
});
