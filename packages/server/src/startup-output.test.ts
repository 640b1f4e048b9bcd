import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMIN_EMAIL, ADMIN_PASSWORD, tempDir } from './test/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = path.join(root, 'packages/server/src/main.ts');
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Starts the server as `npm start` runs it — in a pseudo-terminal through `script` (as in a terminal) or with its
 * output piped (as under systemd) — makes two requests once it is up, stops it as Ctrl-C does, and returns what it
 * printed.
 */
async function startAndStop(inTerminal: boolean): Promise<string> {
  const dataDir = tempDir();
  const env = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', NODE_ID: 'startup-test', ADMIN_EMAIL, ADMIN_PASSWORD, LOG_LEVEL: 'info' };
  const command = `${process.execPath} --import tsx ${MAIN}`;
  const child = inTerminal
    ? spawn('script', ['-qfec', command, '/dev/null'], { cwd: root, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not say it runs:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString().replace(ANSI, '').replaceAll('\r', '');
      const running = /VaahShare is running at (\S+)/.exec(output);
      if (running) {
        clearTimeout(timer);
        resolve(running[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/api/clients`)).status, 401);
  // Ctrl-C: typed into the terminal, the terminal sends SIGINT to the server.
  if (inTerminal) child.stdin!.write('\x03');
  else process.kill(-child.pid!, 'SIGINT');
  await exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
  return output;
}

const linesOf = (output: string) => output.split('\n').filter((line) => line.trim());

describe('what starting the server prints', () => {
  test('in a terminal: a few readable lines, no request logs, and the banner last', async () => {
    const lines = linesOf(await startAndStop(true));
    const running = lines.findIndex((l) => l.startsWith('VaahShare is running at http://127.0.0.1:'));
    assert.ok(running > 0, lines.join('\n'));
    const start = lines.slice(0, running + 1);
    assert.deepEqual(start.filter((l) => l.startsWith('{')), [], 'no JSON in a terminal');
    assert.ok(start.some((l) => /^\[\d\d:\d\d:\d\d\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l)), start.join('\n'));
    assert.ok(start.length <= 12, `a short start:\n${start.join('\n')}`);
    const banner = start.findIndex((l) => l.startsWith('VaahShare first start'));
    assert.ok(banner > 0 && start.slice(banner).every((l) => !/INFO|WARN/.test(l)), `the banner comes after every log line:\n${start.join('\n')}`);
    assert.deepEqual(lines.filter((l) => /request/.test(l)), [], 'requests are logged at debug only');
    assert.match(lines.slice(running + 1).join('\n'), /INFO: shutting down/);
  });

  test('piped (systemd, a log collector): every log line is JSON, and requests are not logged at info', async () => {
    const lines = linesOf(await startAndStop(false));
    const logs = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
    assert.ok(logs.some((l) => l.level === 30 && /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg)), lines.join('\n'));
    assert.deepEqual(logs.filter((l) => /request/.test(l.msg)), []);
    assert.ok(lines.some((l) => l.startsWith('VaahShare is running at')));
  });

  test('the build steps of npm start say nothing when nothing is rebuilt', () => {
    for (const script of ['packages/server/scripts/build.mjs', 'packages/agent/scripts/build.mjs']) {
      spawnSync(process.execPath, [script], { cwd: root });
      const again = spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8' });
      assert.equal(again.status, 0, again.stderr);
      assert.equal(again.stdout + again.stderr, '', `${script} when its output is current`);
    }
  });
});
