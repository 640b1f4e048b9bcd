import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { api, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { stopRequestFile } from '../src/commands/run-helpers.js';
import { spoolDirOf } from '../src/spool/spool.js';
import { agentArgs, runAgent } from './agent-process.js';
import { clientId, finalizedMedia, serverWithAdmin } from './helpers.js';

// How `stop` quits an agent on Windows (no catchable signal there), exercised here on Linux.
let t: TestServer;
let token: string;
before(async () => ({ t, token } = await serverWithAdmin()));
after(() => t.dispose());

test('a stop request in the spool quits the agent cleanly: the recording is finished and sent', async () => {
  const dataDir = tempDir('vaahshare-agent-');
  const agent = runAgent(agentArgs(t.url, 'stopped@pc', dataDir));
  await waitUntil(async () => (await api(t.url, '/api/clients?q=stopped', { token })).body.data[0]?.is_streaming === true, 20_000, 'streaming');
  fs.writeFileSync(stopRequestFile(spoolDirOf(dataDir, 'stopped@pc')), '');
  assert.equal(await agent.exited, 0, agent.output());
  assert.match(agent.output(), /stop requested: finishing the recording and closing/);
  const [media] = await finalizedMedia(t.url, token, await clientId(t.url, token, 'stopped@pc'), 1);
  assert.equal(media!.status, 'ready');
  assert.equal(fs.existsSync(stopRequestFile(spoolDirOf(dataDir, 'stopped@pc'))), false);
  assert.deepEqual(fs.readdirSync(path.join(dataDir, 'spool', 'stopped@pc')).filter((f) => f.endsWith('.webm')), []);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a request left behind by an earlier stop does not stop the next agent', async () => {
  const dataDir = tempDir('vaahshare-agent-');
  fs.mkdirSync(spoolDirOf(dataDir, 'later@pc'), { recursive: true });
  fs.writeFileSync(stopRequestFile(spoolDirOf(dataDir, 'later@pc')), '');
  const agent = runAgent(agentArgs(t.url, 'later@pc', dataDir));
  await waitUntil(async () => (await api(t.url, '/api/clients?q=later', { token })).body.data[0]?.is_streaming === true, 20_000, 'streaming');
  assert.equal(agent.child.exitCode, null);
  assert.equal(await agent.stop('SIGTERM'), 0);
  fs.rmSync(dataDir, { recursive: true, force: true });
});
