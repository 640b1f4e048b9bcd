/**
 * Streaming benchmark (issue 3): S agents stream a real WebM at a fixed bitrate, one viewer each, to our
 * server and to a bare Socket.IO relay in the same run; then a long recording is finalized with the
 * server's media code against a plain append of the same bytes.
 *
 *   npm run bench:streaming -- [--streams 200] [--mbps 1] [--chunk-ms 100] [--warmup-seconds 10]
 *                              [--seconds 30] [--workers 2] [--targets bare,ours] [--cpu-prof]
 *                              [--node-options="--trace-gc ..."]
 *                              [--recording-minutes 60] [--finalize-trials 3] [--skip-finalize] [--max-minutes 20]
 *                              [--rounds 1]
 *
 * `--rounds N` measures each target N times, the order flipped each round, and judges the median of the rounds'
 * ratios besides each round's: on this VM each server's speed moves by up to 2× within half an hour, not in step
 * with the other's (docs/bench-log/streaming.md, 2026-12-03 20:21), so one measurement of each compares little.
 *
 * Servers and workers are child processes of this one; all traffic stays on 127.0.0.1. Results: a table on
 * stdout, JSON and the servers' logs in bench/results/ (where the video fixtures are cached too).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine, revision, round, runBenchmark, sleep } from '../presence/lib.js';
import { measureFinalize, type FinalizeResult } from './finalize.js';
import { longRecording, sourceClip } from './fixtures.js';
import { measureTarget, type Options, type Target, type TargetResult } from './measure-target.js';
import { roundsTable, table } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const resultsDir = path.join(root, 'bench/results');
const fixturesDir = path.join(resultsDir, 'streaming-fixtures');

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '200' },
    mbps: { type: 'string', default: '1' },
    'chunk-ms': { type: 'string', default: '100' },
    'warmup-seconds': { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    workers: { type: 'string', default: '2' },
    targets: { type: 'string', default: 'bare,ours' },
    'cpu-prof': { type: 'boolean', default: false },
    'node-options': { type: 'string', default: '' },
    'recording-minutes': { type: 'string', default: '60' },
    'finalize-trials': { type: 'string', default: '3' },
    'skip-finalize': { type: 'boolean', default: false },
    'max-minutes': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '1' },
  },
});

const positive = (name: keyof typeof args) => {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number (got ${args[name]})`);
  return value;
};
const STREAMS = Math.round(positive('streams'));
const BITS_PER_SECOND = positive('mbps') * 1e6;
const WARMUP_SECONDS = positive('warmup-seconds');
const SECONDS = Math.round(positive('seconds'));
const RECORDING_SECONDS = Math.round(positive('recording-minutes') * 60);
const ROUNDS = Math.round(positive('rounds'));
const TARGET_LIST = args.targets.split(',').map((t) => t.trim()) as Target[];
for (const t of TARGET_LIST) if (t !== 'bare' && t !== 'ours') throw new Error(`--targets: unknown target ${t} (bare, ours)`);
/** The clip each agent streams: long enough for warm-up, window and a margin, at the clip's own rate (~1 Mbit/s). */
const CLIP_SECONDS = Math.max(120, Math.ceil(((WARMUP_SECONDS + SECONDS) * BITS_PER_SECOND) / 1e6) + 60);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = path.join(resultsDir, `streaming-${stamp}`);
fs.mkdirSync(runDir, { recursive: true });

const log = (...parts: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...parts);


async function main() {
  const rev = revision(root);
  log(`server code: commit ${rev.commit}${rev.packagesDirty ? ' + uncommitted changes in packages/' : ''}`);
  log(`streaming benchmark: ${STREAMS} streams × ${BITS_PER_SECOND / 1e6} Mbit/s, targets ${TARGET_LIST.join(', ')}; logs in ${path.relative(root, runDir)}`);
  log(`making or reusing the ${CLIP_SECONDS} s source clip (ffmpeg, VP8) in ${path.relative(root, fixturesDir)}`);
  const source = await sourceClip(fixturesDir, CLIP_SECONDS);
  const sourceMbps = round((fs.statSync(source).size * 8) / CLIP_SECONDS / 1e6, 2);
  const needed = ((WARMUP_SECONDS + SECONDS + 10) * BITS_PER_SECOND) / 8;
  if (fs.statSync(source).size < needed) throw new Error(`the source clip holds fewer than the ${needed} bytes a stream sends`);
  log(`source: ${path.basename(source)}, ${sourceMbps} Mbit/s of VP8`);

  const options: Options = {
    root,
    runDir,
    streams: STREAMS,
    workers: Math.max(1, Math.round(positive('workers'))),
    bitsPerSecond: BITS_PER_SECOND,
    chunkMs: positive('chunk-ms'),
    warmupSeconds: WARMUP_SECONDS,
    seconds: SECONDS,
    source,
    cpuProf: args['cpu-prof'],
    nodeOptions: args['node-options'].split(' ').filter(Boolean),
    log,
  };
  const rounds: TargetResult[][] = [];
  for (let n = 1; n <= ROUNDS; n++) {
    if (ROUNDS > 1) log(`round ${n} of ${ROUNDS}`);
    const measured: TargetResult[] = [];
    for (const target of n % 2 === 1 ? TARGET_LIST : [...TARGET_LIST].reverse()) {
      measured.push(await measureTarget(target, options));
      await sleep(2000);
    }
    rounds.push(measured);
  }
  const results = rounds.flat();

  let finalize: FinalizeResult | undefined;
  if (!args['skip-finalize']) {
    log(`making or reusing the ${RECORDING_SECONDS / 60}-minute recording (the clip repeated, stream copy)`);
    const recording = await longRecording(fixturesDir, source, CLIP_SECONDS, RECORDING_SECONDS);
    const chunkBytes = Math.round((BITS_PER_SECOND / 8) * (options.chunkMs / 1000));
    finalize = await measureFinalize(recording, RECORDING_SECONDS, chunkBytes, Math.round(positive('finalize-trials')), log);
  }

  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    revision: rev,
    options: { ...options, log: undefined, sourceMbps, clipSeconds: CLIP_SECONDS, recordingSeconds: RECORDING_SECONDS },
    results,
    finalize,
    table: [
      ...rounds.map((measured, i) => `${ROUNDS > 1 ? `round ${i + 1}\n` : ''}${table(measured, i === ROUNDS - 1 ? finalize : undefined, options)}`),
      ...(ROUNDS > 1 ? [`the ${ROUNDS} rounds\n${roundsTable(rounds, options)}`] : []),
    ].join('\n\n'),
  };
  const file = path.join(resultsDir, `streaming-${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${report.table}\n`);
  for (const r of results) {
    if (r.failures.length) console.log(`${r.target} failures:\n  ${r.failures.join('\n  ')}`);
    if (r.serverErrorLines.length) console.log(`${r.target} server error lines:\n  ${r.serverErrorLines.join('\n  ')}`);
  }
  console.log(`results: ${path.relative(root, file)}`);
}

runBenchmark(main, positive('max-minutes'));
