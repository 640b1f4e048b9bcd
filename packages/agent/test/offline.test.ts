import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { api, connectDashboard, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { decodeFrames } from '@vaahshare/testkit/webm';
import { agentArgs, runAgent } from './agent-process.js';
import { startCutProxy } from './cut-proxy.js';
import { capturedMore, clientId, downloadVideo, finalizedMedia, serverWithAdmin, spooledFiles } from './helpers.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/vaahshare-agent.js');
interface CliResult {
  stdout: string;
  stderr: string;
  code?: number;
}
const cli = (args: string[]): Promise<CliResult> =>
  promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, VAAHSHARE_CONFIG: '/nonexistent/vaahshare-agent-test/config.json' } }).catch(
    (err: CliResult) => err,
  );

describe('agent without a server: record, offline start, uploads, status and stop', () => {
  let t: TestServer;
  let token: string;
  before(async () => ({ t, token } = await serverWithAdmin()));
  after(() => t.dispose());

  test('`record` and a start while the server is unreachable: both recordings are uploaded once it is reachable', async () => {
    const dataDir = tempDir('vaahshare-agent-');
    const recorder = runAgent(['record', '--user-host', 'away@pc', '--data-dir', dataDir, '--source', 'test', '--size', '320x240']);
    await recorder.waitFor(/recording locally/);
    // No --bitrate: the default preset records this picture at a few kB a second.
    await capturedMore(dataDir, 10_000);
    assert.equal(await recorder.stop('SIGINT'), 0, recorder.output());
    const [recorded] = spooledFiles(dataDir);
    assert.match(path.basename(recorded), /^\d{13}-local\.webm$/);

    const proxy = await startCutProxy(t.port);
    proxy.cut();
    const dash = await connectDashboard(t.url, token);
    const agent = runAgent(agentArgs(proxy.url, 'away@pc', dataDir));
    try {
      await agent.waitFor(/server unreachable .*recording locally/);
      const status = await cli(['status', '--data-dir', dataDir, '--json']);
      const [report] = JSON.parse(status.stdout);
      assert.equal(report.running, true);
      assert.equal(report.status.state, 'connecting');
      assert.equal(report.pending.length, 1, 'the recording made by `record` waits to be sent');
      // Capture goes on while the server is unreachable.
      await capturedMore(dataDir, 50_000);
      proxy.restore();
      await agent.waitFor(/connected to/, 20_000);
      await agent.waitFor(/uploaded \d{13}-local/);
      await waitUntil(() => spooledFiles(dataDir).length === 1, 15_000, 'both offline recordings uploaded (only the live segment stays)');

      const stopped = await cli(['stop', '--user-host', 'away@pc', '--data-dir', dataDir]);
      assert.match(stopped.stdout, /away@pc: stopped/);
      assert.equal(await agent.exited, 0);
      await waitUntil(() => dash.of('away@pc').includes('client-disconnected'), 5000, 'client-disconnected');
      assert.deepEqual(dash.of('away@pc'), ['client-connected', 'client-disconnected'], '`stop` quits as cleanly as Ctrl-C');

      const items = await finalizedMedia(t.url, token, await clientId(t.url, token, 'away@pc'), 3);
      const uploads = items.filter((m) => m.source === 'upload');
      assert.equal(uploads.length, 2, JSON.stringify(items));
      assert.ok(uploads.some((m) => `${m.original_name}.webm` === path.basename(recorded)));
      for (const media of items) {
        assert.equal(media.status, 'ready', JSON.stringify(media));
        assert.equal((await decodeFrames(await downloadVideo(t.url, token, media))).errors, '');
      }
      assert.deepEqual(spooledFiles(dataDir), []);
    } finally {
      await agent.stop('SIGKILL');
      dash.socket.disconnect();
      await proxy.close();
    }
  });

  test('bad settings and a refused token get a clear message and exit 1', async () => {
    const noServer = await cli(['start', '--data-dir', tempDir('vaahshare-agent-'), '--config', '/nonexistent/config.json']);
    assert.equal(noServer.code, 1);
    assert.match(noServer.stderr, /No server or token: pass --server URL --token TOKEN/);
    const badFps = await cli(['start', '--server', t.url, '--token', 'x', '--fps', '500', '--config', '/nonexistent/config.json']);
    assert.match(badFps.stderr, /fps: fps must be 1-60/);
    const dataDir = tempDir('vaahshare-agent-');
    const refused = await cli(['start', '--server', t.url, '--token', 'wrong-token', '--data-dir', dataDir, '--source', 'test', '--user-host', 'bad@pc', '--config', '/nonexistent/config.json']);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /error: the server refused the enrollment token/);
    const setup = await cli(['setup', '--server', t.url, '--token', 'wrong-token', '--config', path.join(dataDir, 'config.json')]);
    assert.match(setup.stderr, /refused the token: ask an admin for a valid enrollment token/);
  });

  test('`setup` checks the server and writes a config file that `start` uses', async () => {
    const dir = tempDir('vaahshare-agent-');
    const config = path.join(dir, 'config.json');
    const setup = await cli(['setup', '--server', t.url, '--token', 'test-enrollment-token-0000', '--user-host', 'conf@pc', '--source', 'test', '--size', '320x240', '--config', config]);
    assert.match(setup.stdout, /server .* accepts the token/);
    const dash = await connectDashboard(t.url, token);
    const agent = runAgent(['start', '--data-dir', dir], { VAAHSHARE_CONFIG: config });
    try {
      await agent.waitFor(/capturing a test picture/);
      await agent.waitFor(/connected to .* as conf@pc/);
      assert.equal(await agent.stop('SIGTERM'), 0);
      await waitUntil(() => dash.of('conf@pc').at(-1) === 'client-disconnected', 5000, 'a clean quit on SIGTERM');
    } finally {
      await agent.stop('SIGKILL');
      dash.socket.disconnect();
    }
  });

  test('a revoked token: the server cuts the agent off, and the agent stops with a message instead of retrying forever', async () => {
    const { body: companies } = await api(t.url, '/api/companies', { token });
    const companyId = companies.data[0].id;
    const created = await api(t.url, `/api/companies/${companyId}/tokens`, { token, body: { label: 'laptop' } });
    assert.equal(created.status, 201);
    const agent = runAgent(['start', '--server', t.url, '--token', created.body.data.token, '--user-host', 'revoked@pc', '--data-dir', tempDir('vaahshare-agent-'), '--source', 'test', '--size', '320x240']);
    try {
      await agent.waitFor(/connected to/);
      const revoked = await api(t.url, `/api/companies/${companyId}/tokens/${created.body.data.id}`, { token, method: 'DELETE' });
      assert.ok(revoked.status < 300, JSON.stringify(revoked));
      assert.equal(await agent.exited, 1);
      assert.match(agent.output(), /error: the server refused the enrollment token \(unknown or revoked\)/);
      assert.match(agent.output(), /recording\(s\) not yet on the server stay in .*: the next start sends them/);
    } finally {
      await agent.stop('SIGKILL');
    }
  });
});
