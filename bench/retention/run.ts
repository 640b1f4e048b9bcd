/**
 * Retention benchmark (issue 16): the retention sweep deleting D recordings (rows and their two small files each)
 * from a library of D + K rows, inside a real server, while the event-loop delay of that server is sampled
 * (perf_hooks.monitorEventLoopDelay at a 1 ms resolution: each sample is the time between two 1 ms timer ticks, so
 * an idle loop reads about 1 ms). Target: p99 ≤ 20 ms during the sweep.
 *
 *   npm run bench:retention -- [--delete 100000] [--keep 900000] [--database sqlite|postgres] [--max-minutes 30]
 *
 * The server runs in this process (its sweep is what is measured), on a fresh DATA_DIR and a fresh database: a
 * SQLite file, or with `--database postgres` a new database on the PostgreSQL server TEST_DATABASE_URL names
 * (dropped at the end). Results: a table on stdout and JSON in bench/results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { api, login, startServer, tempDir } from '@vaahshare/testkit';
import { mediaPaths } from '@vaahshare/server/media/storage';
import { foreignLoad, machine, renderTable, revision, round, runBenchmark } from '../presence/lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const resultsDir = path.join(root, 'bench/results');
const DAY = 86_400_000;
const TARGET_P99_MS = 20;
const IDLE_BASELINE_MS = 5000;

const { values: args } = parseArgs({
  options: {
    delete: { type: 'string', default: '100000' },
    keep: { type: 'string', default: '900000' },
    database: { type: 'string', default: 'sqlite' },
    'max-minutes': { type: 'string', default: '30' },
  },
});
if (!['sqlite', 'postgres'].includes(args.database)) throw new Error(`--database ${args.database}: choose sqlite or postgres`);
const postgres = args.database === 'postgres';
if (postgres && !process.env.TEST_DATABASE_URL) throw new Error('--database postgres needs TEST_DATABASE_URL (a server where a database may be created)');
const toDelete = Number(args.delete);
const toKeep = Number(args.keep);

type Server = Awaited<ReturnType<typeof startServer>>;

/** D old recordings with their files (a video and a thumbnail each), K recent ones (rows only), over 50 clients. */
async function fill(t: Server) {
  const db = t.server.ctx.db;
  const clients = await Promise.all(Array.from({ length: 50 }, (_, i) => t.server.clients.ensure(1, `user${i}@bench-${i}`)));
  const now = Date.now();
  const rows = (from: number, count: number, old: boolean) =>
    Array.from({ length: count }, (_, i) => {
      const n = from + i;
      const startedAt = old ? now - 30 * DAY + n : now - 60_000 + (n % 60_000);
      return { company_id: 1, client_id: clients[n % clients.length].id, segment_id: `b${n}`, original_name: `b${n}`, source: 'live' as const, status: 'ready' as const, size: 100, has_thumbnail: 1, started_at: startedAt, ended_at: startedAt, updated_at: startedAt };
    });
  for (const client of clients) fs.mkdirSync(mediaPaths(t.dataDir, { id: 0, company_id: 1, client_id: client.id }).dir, { recursive: true });
  for (let at = 0; at < toDelete; at += 1000) {
    const inserted = await db.insertInto('media').values(rows(at, Math.min(1000, toDelete - at), true)).returning(['id', 'company_id', 'client_id']).execute();
    await Promise.all(inserted.flatMap((row) => [fs.promises.writeFile(mediaPaths(t.dataDir, row).final, 'v'.repeat(100)), fs.promises.writeFile(mediaPaths(t.dataDir, row).thumbnail, 'j')]));
    if (at % 20_000 === 0) console.log(`  ${at} of ${toDelete} old recordings with files`);
  }
  for (let at = 0; at < toKeep; at += 1000) {
    await db.insertInto('media').values(rows(toDelete + at, Math.min(1000, toKeep - at), false)).execute();
    if (at % 200_000 === 0) console.log(`  ${at} of ${toKeep} recent recordings (rows)`);
  }
}

async function countRows(t: Server) {
  return Number((await t.server.ctx.db.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
}

async function main() {
  const dataDir = tempDir('vaahshare-bench-retention-');
  // startServer makes a fresh PostgreSQL database when TEST_DATABASE_URL is set, and its dispose drops it.
  if (!postgres) delete process.env.TEST_DATABASE_URL;
  const t = await startServer({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  try {
    console.log(`filling: ${toDelete} recordings to delete (rows + 2 files each), ${toKeep} to keep (rows)`);
    await fill(t);
    const token = await login(t.url);
    const rule = await api(t.url, '/api/retention', { token, method: 'PUT', body: { max_days: 7, max_gb: null } });
    if (rule.status !== 200) throw new Error(`setting the rule: ${JSON.stringify(rule.body)}`);
    const before = await countRows(t);
    // A server running for a while has long checkpointed its write-ahead log; the fill just wrote a million rows.
    if (!postgres) await sql`pragma wal_checkpoint(TRUNCATE)`.execute(t.server.ctx.db);

    // The same server idle for a while first: what the machine's load alone does to the loop (a shared machine).
    const idle = monitorEventLoopDelay({ resolution: 1 });
    idle.enable();
    await new Promise((resolve) => setTimeout(resolve, IDLE_BASELINE_MS));
    idle.disable();

    const delay = monitorEventLoopDelay({ resolution: 1 });
    const load = foreignLoad(() => []);
    delay.enable();
    const started = performance.now();
    const result = await t.server.retention.sweep();
    const seconds = (performance.now() - started) / 1000;
    delay.disable();
    const foreign = load();
    if (result === 'skipped') throw new Error('the sweep was skipped');

    const after = await countRows(t);
    const filesLeft = (fs.readdirSync(path.join(dataDir, 'media'), { recursive: true }) as string[]).filter((f) => f.endsWith('.webm') || f.endsWith('.jpg')).length;
    const ms = (ns: number) => round(ns / 1e6, 1);
    const p99 = ms(delay.percentile(99));
    const report = {
      benchmark: 'retention',
      revision: revision(root),
      machine: machine(),
      options: { delete: toDelete, keep: toKeep, database: args.database },
      result: {
        deleted: result.deleted,
        rowsBefore: before,
        rowsAfter: after,
        filesLeft,
        seconds: round(seconds, 1),
        recordingsPerSecond: Math.round(result.deleted / seconds),
        eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99, max: ms(delay.max), mean: ms(delay.mean) },
        idleEventLoopDelayMs: { p50: ms(idle.percentile(50)), p99: ms(idle.percentile(99)), max: ms(idle.max) },
        otherLoadPercentOfACore: foreign,
      },
    };
    console.log(
      renderTable([
        ['measure', 'value', 'target', ''],
        ['recordings deleted (rows + files)', `${result.deleted} of ${toDelete} (rows ${before} → ${after}, files left ${filesLeft})`, `${toDelete}, 0 left`, result.deleted === toDelete && filesLeft === 0 ? 'met' : 'MISSED'],
        ['sweep duration', `${report.result.seconds} s (${report.result.recordingsPerSecond}/s)`, '—', ''],
        ['event-loop delay p50 / p99 / max', `${report.result.eventLoopDelayMs.p50} / ${p99} / ${report.result.eventLoopDelayMs.max} ms`, `p99 ≤ ${TARGET_P99_MS} ms`, p99 <= TARGET_P99_MS ? 'met' : 'MISSED'],
        ['the same, idle server before it (5 s)', `${report.result.idleEventLoopDelayMs.p50} / ${report.result.idleEventLoopDelayMs.p99} / ${report.result.idleEventLoopDelayMs.max} ms`, '—', ''],
        ['other processes’ CPU meanwhile', `${foreign} % of a core`, '—', ''],
      ]),
    );
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `retention-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`results: ${path.relative(root, file)}`);
  } finally {
    await t.dispose();
  }
}

runBenchmark(main, Number(args['max-minutes']));
