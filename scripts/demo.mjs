// `npm run demo`: the server plus three agents streaming a synthetic moving picture, so a newcomer sees
// live clients, live tiles and finished recordings (a new one every 30 s per agent) within a minute.
// Data lives in ./data/demo; Ctrl-C quits the agents cleanly, then the server.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.PORT ?? '3000';
const url = `http://localhost:${port}`;
const token = 'demo-enrollment-token-0000';
const admin = { email: 'admin@vaahshare.local', password: 'vaahshare-demo' };
const dataDir = path.join(root, 'data', 'demo');

const children = [];
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

function run(name, args, env = {}) {
  // Own process groups: a Ctrl-C reaches this script only, which stops the agents first, then the server.
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (d) => {
      const lines = (rest + d).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(`[${name}] ${line}\n`);
    });
  }
  return child;
}

const exited = (child) => (child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)));

async function waitForServer(server) {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error('the server stopped at start (see its output above)');
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not answer on ${url} within 30 s`);
}

await import('../packages/agent/scripts/build.mjs').then((m) => m.buildWeb());
const { buildServer, serverNodeFlags } = await import('../packages/server/scripts/build.mjs');
const serverMain = await buildServer();
const server = run('server', [...serverNodeFlags, serverMain], {
  PORT: port,
  DATA_DIR: dataDir,
  AGENT_TOKEN: token,
  ADMIN_EMAIL: admin.email,
  ADMIN_PASSWORD: admin.password,
  // A demo's throwaway login: no authenticator app needed to look around.
  TOTP_REQUIRED_FOR_SUPERADMINS: 'false',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
await waitForServer(server);

const agents = [1, 2, 3].map((n) =>
  run(`agent ${n}`, [
    'packages/agent/bin/vaahshare-agent.js', 'start', '--server', url, '--token', token, '--user-host', `demo-${n}@vaahshare`,
    '--source', 'test', '--size', '640x360', '--fps', '10', '--bitrate', '500k', '--segment-minutes', '0.5',
    '--data-dir', path.join(dataDir, 'agents'),
  ]),
);

process.stdout.write(`
  VaahShare demo is running: three agents stream a test picture; each makes a recording every 30 s.
    Dashboard   ${url}   (log in as ${admin.email} / ${admin.password})
    Share page  ${url}/share?token=${token}
    API         curl -s ${url}/api/clients -H "authorization: Bearer $(curl -s ${url}/api/auth/login -H 'content-type: application/json' -d '{"email":"${admin.email}","password":"${admin.password}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')"
  Ctrl-C stops everything.

`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping the agents (they finish and send their recordings), then the server…\n');
  for (const agent of agents) agent.kill('SIGINT');
  await Promise.all(agents.map(exited));
  server.kill('SIGTERM');
  await exited(server);
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => {
  if (stopping) return;
  process.stdout.write(`the server stopped (exit ${code}); stopping the demo\n`);
  void stop();
});
