/** The streaming benchmark's table: each measure for our server and the bare relay, the ratio, the target. */
import { median, ratio, renderTable, round, verdict } from '../presence/lib.js';
import type { FinalizeResult } from './finalize.js';
import type { Options, TargetResult } from './measure-target.js';

export const TARGETS = {
  cpuRatio: 1.5,
  rssPerStreamKiB: 256,
  relayP99Ratio: 2,
  finalizeMs: 10_000,
  /** Ingest and relay within this share of what the agents offered. */
  sustainedShare: 0.99,
  /** A backlog trend below this share of the offered rate is no growth. */
  backlogTrendShare: 0.01,
  drainMs: 5_000,
};

const kib = (bytes: number) => round(bytes / 1024, 1);
const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
const f = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : String(v));

export function perStream(r: TargetResult | undefined, streams: number) {
  if (!r) return undefined;
  const gc = r.rss.afterGc;
  return {
    total: (r.rss.streamingMedian - r.rss.idle) / streams,
    afterGc: gc ? (gc.streaming - gc.idle) / streams : undefined,
    streamingOnly: gc ? (gc.streaming - gc.connected) / streams : undefined,
  };
}

export function sustained(r: TargetResult | undefined): boolean {
  if (!r) return false;
  const enough = (mbps: number) => mbps >= TARGETS.sustainedShare * r.ingest.offeredMbps;
  const written = r.ingest.writtenBytes === undefined || r.ingest.writtenBytes === r.ingest.ackedBytes;
  return enough(r.ingest.ackedMbps) && enough(r.ingest.relayedMbps) && written && r.failures.length === 0;
}

export function noBacklogGrowth(r: TargetResult | undefined, o: Pick<Options, 'streams' | 'bitsPerSecond'>): boolean {
  if (!r) return false;
  const offeredBytesPerSecond = (o.streams * o.bitsPerSecond) / 8;
  return Math.abs(r.backlog.slopeBytesPerSecond) <= TARGETS.backlogTrendShare * offeredBytesPerSecond && r.backlog.drained && r.backlog.drainMs <= TARGETS.drainMs;
}

export function table(results: TargetResult[], finalize: FinalizeResult | undefined, o: Pick<Options, 'streams' | 'bitsPerSecond'>): string {
  const ours = results.find((r) => r.target === 'ours');
  const bare = results.find((r) => r.target === 'bare');
  const rows: string[][] = [['measure', 'ours', 'bare relay', 'ours/bare', 'target', 'verdict']];
  const both = (label: string, pick: (r: TargetResult) => number | string | undefined, target = '', judge?: (o: TargetResult, b: TargetResult) => boolean, withRatio = false) => {
    const [a, b] = [ours && pick(ours), bare && pick(bare)];
    const r = withRatio && typeof a === 'number' && typeof b === 'number' ? f(ratio(a, b)) : '';
    rows.push([label, f(a as number), f(b as number), r, target, judge && ours && bare ? verdict(judge(ours, bare)) : '']);
  };

  both(`1. ingest acked by the server (Mbit/s; ${o.streams} × ${o.bitsPerSecond / 1e6} offered)`, (r) => r.ingest.ackedMbps, 'sustained', (a) => sustained(a));
  both('   relayed to the viewers (Mbit/s)', (r) => r.ingest.relayedMbps);
  both('   written to disk = acked (bytes)', (r) => (r.ingest.writtenBytes === undefined ? 'no disk' : `${r.ingest.writtenBytes} = ${r.ingest.ackedBytes}`));
  both('   errors, byte mismatches, disconnects', (r) => `${r.problems.ackErrors}, ${r.problems.mismatches}, ${r.problems.disconnects}`);
  both('2. server CPU (% of a core)', (r) => r.window.serverCpuPct, `≤ ${TARGETS.cpuRatio}× bare`, (a, b) => a.window.serverCpuPct <= TARGETS.cpuRatio * b.window.serverCpuPct, true);
  both('   main thread / other threads: pool, GC (% of a core)', (r) => `${r.window.serverThreadsPct.main} / ${r.window.serverThreadsPct.others}`);
  // The same work moved from 39 to 58 % of a core between runs of one build (bench log 2026-12-03 20:21): where?
  both('   of it in the kernel: system calls, TCP, files (% of a core)', (r) => r.window.serverSystemPct);
  both('   server CPU per acked Mbit/s (% of a core)', (r) => round(r.window.serverCpuPct / r.ingest.ackedMbps, 3), '', undefined, true);
  both('   server CPU per 1000 frames/s (% of a core)', (r) => round(r.window.serverCpuPct / (r.frames.count / r.window.seconds / 1000), 1), '', undefined, true);
  both('   agent workers / other processes / hypervisor steal (% of a core)', (r) => `${r.window.workersCpuPct} / ${r.window.foreignPct} / ${r.window.stealPct}`);

  const [po, pb] = [perStream(ours, o.streams), perStream(bare, o.streams)];
  const per = (label: string, pick: (p: NonNullable<ReturnType<typeof perStream>>) => number | undefined, target = '', judged = false) => {
    const [a, b] = [po && pick(po), pb && pick(pb)];
    const ok = judged && a !== undefined ? verdict(a / 1024 <= TARGETS.rssPerStreamKiB) : '';
    rows.push([label, f(a === undefined ? a : kib(a)), f(b === undefined ? b : kib(b)), f(ratio(a, b)), target, ok]);
  };
  per('3. RSS per stream (KiB): (streaming − idle) / S', (p) => p.total, `≤ ${TARGETS.rssPerStreamKiB} KiB`, true);
  per('   same after a full GC', (p) => p.afterGc, `≤ ${TARGETS.rssPerStreamKiB} KiB`, true);
  per('   streams open, after a full GC: (streaming − connected) / S', (p) => p.streamingOnly);
  both('   RSS idle → connected → streaming median (MiB)', (r) => `${mib(r.rss.idle)} → ${mib(r.rss.connected)} → ${mib(r.rss.streamingMedian)}`);
  both('   RSS over the window: min–max (MiB)', (r) => `${mib(r.rss.streamingMin)}–${mib(r.rss.streamingMax)}`);

  const trendTarget = `|trend| ≤ ${TARGETS.backlogTrendShare * 100} % of offered, drained ≤ ${TARGETS.drainMs / 1000} s`;
  both('4. backlog trend: unacked + not yet relayed (B/s)', (r) => r.backlog.slopeBytesPerSecond, trendTarget, (a) => noBacklogGrowth(a, o));
  both('   backlog at window start → end (KiB)', (r) => `${kib(r.backlog.first.unacked + r.backlog.first.viewerLag)} → ${kib(r.backlog.last.unacked + r.backlog.last.viewerLag)}`);
  both('   most unacked on one stream (KiB); drain after stop (ms)', (r) => `${kib(r.backlog.maxUnackedPerStream)}; ${r.backlog.drainMs}`);
  both('   frames sent in the window; mean size (B)', (r) => `${r.frames.count}; ${r.frames.meanBytes}`);
  both('   kernel queues at the server: recv-Q / send-Q, median (KiB)', (r) => `${kib(median(r.samples.map((s) => s.recvQ)))} / ${kib(median(r.samples.map((s) => s.sendQ)))}`);

  both('5. relay latency, arrival at server → viewer, p50 (ms)', (r) => r.relay.p50, '', undefined, true);
  both('   p90 (ms)', (r) => r.relay.p90, '', undefined, true);
  both('   p99 (ms)', (r) => r.relay.p99, `≤ ${TARGETS.relayP99Ratio}× bare`, (a, b) => a.relay.p99 <= TARGETS.relayP99Ratio * b.relay.p99, true);
  both('   max (ms) / chunks timed', (r) => `${r.relay.max} / ${r.relay.count}`);
  both('   ack latency p50 / p99 (ms)', (r) => `${r.ack.p50} / ${r.ack.p99}`);

  if (finalize) {
    const fin = median(finalize.finalizeMs);
    const append = median(finalize.appendMs);
    const s = finalize.seekable;
    rows.push([
      `6. ${round(finalize.recordingSeconds / 60)}-min recording (${mib(finalize.bytes)} MiB): finalize vs plain append (ms)`,
      String(fin),
      String(append),
      f(finalize.ratio),
      `≤ ${TARGETS.finalizeMs} ms`,
      verdict(fin <= TARGETS.finalizeMs && s.cues && s.duration && s.seekDecodeOk),
    ]);
    rows.push(['   trials: finalize / append (ms)', finalize.finalizeMs.join(', '), finalize.appendMs.join(', '), '', '', '']);
    rows.push([
      '   result: duration, Cues, thumbnail, seek to 5/6 decodes (ms)',
      `${finalize.outcome.duration_ms} ms, ${s.cues ? 'cues' : 'NO CUES'}, ${finalize.outcome.has_thumbnail ? 'thumbnail' : 'NO THUMBNAIL'}, ${s.seekDecodeOk ? s.seekDecodeMs : 'FAILED'}`,
      '',
      '',
      'seekable + thumbnail',
      '',
    ]);
  }
  return renderTable(rows);
}

/** The median as statistics has it (with an even count, the mean of the two middle values: neither is favoured). */
const middle = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
};

/** Each round's ratio (and RSS per stream) of the judged measures, and their median, judged. */
export function roundsTable(rounds: TargetResult[][], o: Pick<Options, 'streams'>): string {
  const pairs = rounds.map((measured) => ({ ours: measured.find((r) => r.target === 'ours'), bare: measured.find((r) => r.target === 'bare') }));
  const rows: string[][] = [['measure', 'each round', 'median', 'target', 'verdict']];
  const judged = (label: string, values: number[], target: string, ok: (m: number) => boolean) => {
    const m = middle(values);
    rows.push([label, values.map(f).join(' / '), f(round(m, 2)), target, Number.isNaN(m) ? '' : verdict(ok(m))]);
  };
  const ratios = (pick: (r: TargetResult) => number) => pairs.map(({ ours, bare }) => ratio(ours && pick(ours), bare && pick(bare)));
  judged('server CPU, ours ÷ bare', ratios((r) => r.window.serverCpuPct), `≤ ${TARGETS.cpuRatio}×`, (m) => m <= TARGETS.cpuRatio);
  judged('relay latency p99, ours ÷ bare', ratios((r) => r.relay.p99), `≤ ${TARGETS.relayP99Ratio}×`, (m) => m <= TARGETS.relayP99Ratio);
  const rss = pairs.map(({ ours }) => perStream(ours, o.streams)?.total);
  judged('RSS per stream, ours (KiB)', rss.map((b) => (b === undefined ? NaN : kib(b))), `≤ ${TARGETS.rssPerStreamKiB} KiB`, (m) => m <= TARGETS.rssPerStreamKiB);
  return renderTable(rows);
}
