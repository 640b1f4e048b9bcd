/**
 * A restart after a crash: how long our server (its bundle, as `npm start` runs it) takes from spawn to "is running"
 * when the node held N connected clients when it died, against the same start with none held, in the same run.
 * Before it listens, the node hands the clients it held over to their grace period (`releaseNode`); in a kill -9
 * reconnect storm that start-up is what the agents' first wave waits for (docs/bench-log/presence.md).
 *
 *   node --import tsx bench/presence/release.ts [--clients 10000] [--rounds 5]
 *
 * Each round seeds the clients as connected on the node (its database written directly, as the dead node left it),
 * then starts the server once with them and once without; prints each start and the medians.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serverNodeFlags } from '../../packages/server/scripts/build.mjs';
import { seedDefaultCompany } from '../../packages/server/src/companies/index.js';
import { migrateToLatest, openDatabase } from '../../packages/server/src/db/database.js';
import { connectClients, releaseNodeClients, type ConnectInput } from '../../packages/server/src/presence/presence.repository.js';
import { freePort, ourServerScript } from './lib.js';

const { values: args } = parseArgs({ options: { clients: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '5' } } });
const N = Number(args.clients);
const NODE = 'bench-node';
const root = path.resolve(import.meta.dirname, '../..');
const script = ourServerScript(root);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaahshare-release-'));

/** Leaves `connected` clients connected on the node (the rest released), as a node that died holding them. */
async function seed(connected: number) {
  const handle = await openDatabase({ dataDir });
  await migrateToLatest(handle);
  const { db } = handle;
  const company = await db.selectFrom('companies').select('id').executeTakeFirst();
  const companyId = company?.id ?? (await seedDefaultCompany(db, { now: Date.now(), log: { info() {}, warn() {}, error() {} } as never })).companyId;
  const connectOf = (k: number): ConnectInput => {
    const userHost = `agent-${k}@bench`;
    const meta = { user_host: userHost, username: `agent-${k}`, hostname: 'bench', platform: 'linux', operatingSystem: 'Linux 6.1' };
    return { companyId, userHost, socketId: `s-${k}-${Date.now()}`, tokenId: null, meta: JSON.stringify(meta), nodeId: NODE, now: Date.now(), deviceSecretHash: null };
  };
  await releaseNodeClients(db, NODE, Date.now(), 60_000);
  for (let k = 0; k < connected; k += 500) await connectClients(db, Array.from({ length: Math.min(500, connected - k) }, (_, j) => connectOf(k + j)));
  await db.destroy();
}

/** Spawn → the "is running" line, in ms. */
async function start(): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...serverNodeFlags, script], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', NODE_ID: NODE, TOTP_REQUIRED_FOR_SUPERADMINS: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('is running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it listened:\n${out}`)));
  });
  const ms = performance.now() - t0;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const held: number[] = [];
const none: number[] = [];
await seed(0);
await start(); // the first start creates the database's admin and warms the file cache
for (let round = 1; round <= Number(args.rounds); round++) {
  await seed(N);
  held.push(await start());
  await seed(0);
  none.push(await start());
  console.log(`round ${round}: ${N} clients held ${Math.round(held.at(-1)!)} ms, none ${Math.round(none.at(-1)!)} ms`);
}
console.log(`median: ${N} clients held ${Math.round(median(held))} ms, none ${Math.round(median(none))} ms: the release costs ${Math.round(median(held) - median(none))} ms of the start-up`);
fs.rmSync(dataDir, { recursive: true, force: true });
