/**
 * The SQL of a reconnect storm's connect path alone, outside a storm: what `findDeviceSecretHashes` and
 * `connectClients` cost for N known clients coming back in batches of 1–90 (as the server's DataLoaders form them in
 * a storm), on the server's own SQLite setup (`openDatabase`: WAL, the statement cache, the checkpoint worker).
 * Each round first releases the clients (as a restarted node does), then reconnects all of them in a random order.
 *
 *   node --import tsx bench/presence/connect-sql.ts [--clients 10000] [--rounds 3] [--temp-store memory|file]
 *
 * Prints per round the process's CPU (every thread: the checkpoint worker too) and the time spent in each call.
 * `--temp-store file` puts SQLite's temporary files (statement journals) back on disk, SQLite's default, to compare
 * with the server's `memory`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { seedDefaultCompany } from '../../packages/server/src/companies/index.js';
import { migrateToLatest, openDatabase } from '../../packages/server/src/db/database.js';
import { connectClients, findDeviceSecretHashes, releaseNodeClients, type ConnectInput } from '../../packages/server/src/presence/presence.repository.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    'temp-store': { type: 'string', default: 'memory' },
  },
});
const N = Number(args.clients);
const NODE = 'bench-node';
const tempStore = args['temp-store'] === 'file' ? 'file' : 'memory';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaahshare-connect-sql-'));
const handle = await openDatabase({ dataDir: dir });
await migrateToLatest(handle);
const { db } = handle;
await sql.raw(`pragma temp_store = ${tempStore}`).execute(db);
const silent = { info() {}, warn() {}, error() {} };
const { companyId } = await seedDefaultCompany(db, { now: Date.now(), log: silent as never });

// A fixed seed: every run reconnects in the same orders and batch sizes.
let seed = 1;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

const connectOf = (k: number, round: number): ConnectInput => {
  const userHost = `agent-${k}@bench`;
  const meta = { user_host: userHost, username: `agent-${k}`, hostname: 'bench', platform: 'linux', operatingSystem: 'Linux 6.1' };
  return { companyId, userHost, socketId: `s${round}-${k}`, tokenId: null, meta: JSON.stringify(meta), nodeId: NODE, now: Date.now(), deviceSecretHash: null };
};

for (let k = 0; k < N; k += 500) {
  await connectClients(db, Array.from({ length: Math.min(500, N - k) }, (_, j) => connectOf(k + j, 0)));
}

async function round(index: number) {
  await releaseNodeClients(db, NODE, Date.now(), 60_000);
  const order = Array.from({ length: N }, (_, i) => i).sort(() => random() - 0.5);
  const cpu = process.cpuUsage();
  let readMs = 0;
  let writeMs = 0;
  for (let i = 0; i < N; ) {
    const batch = order.slice(i, i + 1 + Math.floor(random() * 90)).map((k) => connectOf(k, index));
    const t0 = performance.now();
    await findDeviceSecretHashes(db, batch);
    const t1 = performance.now();
    await connectClients(db, batch);
    readMs += t1 - t0;
    writeMs += performance.now() - t1;
    i += batch.length;
  }
  const used = process.cpuUsage(cpu);
  return { cpuMs: Math.round((used.user + used.system) / 1000), readMs: Math.round(readMs), writeMs: Math.round(writeMs) };
}

console.log(`${N} clients reconnecting in batches of 1–90, SQLite temp_store ${tempStore}:`);
for (let r = 1; r <= Number(args.rounds); r++) {
  const { cpuMs, readMs, writeMs } = await round(r);
  console.log(`round ${r}: CPU ${cpuMs} ms (${((cpuMs * 1000) / N).toFixed(1)} µs a reconnect); device secrets read ${readMs} ms, connects written ${writeMs} ms`);
}
await db.destroy();
fs.rmSync(dir, { recursive: true, force: true });
