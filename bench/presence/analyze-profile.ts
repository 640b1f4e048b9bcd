/**
 * Reads a V8 CPU profile (`--cpu-prof`, as `npm run bench:presence -- --cpu-prof` writes for our server)
 * and tells where the time went inside one phase of the benchmark.
 *
 *   node --import tsx bench/presence/analyze-profile.ts <profile.cpuprofile> [--results <presence-….json>]
 *        [--phase idle] [--from <µs> --to <µs>] [--first-ms 4000] [--top 25] [--inclusive connectClient,prepare,writev]
 *        [--attribute innermost|outermost]
 *
 * With --results and --phase, the window is that phase's CLOCK_MONOTONIC span recorded by run.ts (the
 * profile's timestamps use the same clock). Prints: busy share, self time by function and by source
 * (our files vs packages), time by the frame of our code on the stack (the innermost: which of our functions did the
 * work; the outermost: which of our entry points — a handler, a timer — it was done for), and the longest stretches
 * without idle samples (event-loop blocking).
 */
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    results: { type: 'string' },
    phase: { type: 'string' },
    target: { type: 'string', default: 'ours' },
    from: { type: 'string' },
    to: { type: 'string' },
    top: { type: 'string', default: '25' },
    /** The first N ms of the profile (start-up). */
    'first-ms': { type: 'string' },
    /** Comma-separated function names: time of the samples with that function anywhere on the stack. */
    inclusive: { type: 'string' },
    attribute: { type: 'string', default: 'innermost' },
  },
});

const file = positionals[0];
if (!file) throw new Error('usage: analyze-profile.ts <profile.cpuprofile> [--results file --phase name] [--from µs --to µs]');
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
let from = args.from ? Number(args.from) : profile.startTime;
let to = args.to ? Number(args.to) : profile.endTime;
if (args['first-ms']) to = profile.startTime + Number(args['first-ms']) * 1000;
if (args.results && args.phase) {
  const report = JSON.parse(fs.readFileSync(args.results, 'utf8')) as {
    results: Array<{ target: string; phases: Array<{ name: string; startMono: number; endMono: number }> }>;
  };
  const phase = report.results.find((r) => r.target === args.target)?.phases.find((p) => p.name === args.phase);
  if (!phase) throw new Error(`no phase ${args.phase} for ${args.target} in ${args.results}`);
  from = phase.startMono;
  to = phase.endMono;
}
const TOP = Number(args.top);

const sourceMaps = new Map<string, SourceMap | null>();
/** The bundle's source map (`<bundle>.map`, as the server's build writes it), if there is one. */
function sourceMapOf(url: string): SourceMap | null {
  if (!sourceMaps.has(url)) {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    const map = url.endsWith('.js') && fs.existsSync(`${file}.map`) ? new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8'))) : null;
    sourceMaps.set(url, map);
  }
  return sourceMaps.get(url)!;
}
/** A frame of the bundle as the file and line it was built from, so that time is told by source file and package. */
function original(frame: CallFrame): CallFrame {
  const entry = sourceMapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (!entry || !('originalSource' in entry)) return frame;
  const bundleDir = path.dirname(frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url);
  const url = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(bundleDir, entry.originalSource);
  return { ...frame, url, lineNumber: entry.originalLine };
}

const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  if (node.callFrame.url.includes('/packages/server/dist/')) node.callFrame = original(node.callFrame);
  byId.set(node.id, node);
  for (const child of node.children ?? []) parent.set(child, node.id);
}

const shortUrl = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, 'npm:')
    .replace(/.*\/packages\/server\/src\//, 'src/')
    // A bundle frame without a source map: its functions keep their names, their files are lost.
    .replace(/.*\/packages\/server\/dist\//, 'src/(bundle) ')
    .replace(/.*\/packages\/protocol\/src\//, 'protocol/');
const label = (frame: CallFrame) => `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
const source = (frame: CallFrame) => {
  const url = shortUrl(frame.url);
  if (url.startsWith('npm:')) return url.split('/').slice(0, url.startsWith('npm:@') ? 2 : 1).join('/');
  if (url.startsWith('src/') || url.startsWith('protocol/')) return url;
  if (url.startsWith('node:')) return url;
  return url ? url : frame.functionName;
};
const isIdle = (id: number) => byId.get(id)!.callFrame.functionName === '(idle)';

const OUTERMOST = args.attribute === 'outermost';
/** The innermost (or, with `--attribute outermost`, the outermost) frame of our own code on the sample's stack, if any. */
function ourFrame(id: number): string | undefined {
  let found: string | undefined;
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur)!.callFrame;
    if (!shortUrl(frame.url).startsWith('src/')) continue;
    found = label(frame);
    if (!OUTERMOST) break;
  }
  return found;
}

const inclusiveNames = (args.inclusive ?? '').split(',').map((n) => n.trim()).filter(Boolean);
const inclusive = new Map<string, number>(inclusiveNames.map((n) => [n, 0]));
const stackNames = (id: number) => {
  const names = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) names.add(byId.get(cur)!.callFrame.functionName);
  return names;
};

const selfByFunction = new Map<string, number>();
const selfBySource = new Map<string, number>();
const byOurFrame = new Map<string, number>();
let total = 0;
let idle = 0;
const stretches: Array<{ start: number; duration: number; self: Map<string, number>; ours: Map<string, number> }> = [];
let current: (typeof stretches)[number] | undefined;

let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  // The sample's duration is the gap to the next one.
  const duration = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
  if (t < from || t > to) continue;
  const id = profile.samples[i];
  total += duration;
  if (isIdle(id)) {
    idle += duration;
    current = undefined;
    continue;
  }
  if (inclusiveNames.length) {
    const names = stackNames(id);
    for (const n of inclusiveNames) if (names.has(n)) inclusive.set(n, inclusive.get(n)! + duration);
  }
  const frame = byId.get(id)!.callFrame;
  const name = label(frame);
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + duration);
  selfBySource.set(source(frame), (selfBySource.get(source(frame)) ?? 0) + duration);
  const ours = ourFrame(id) ?? '(no frame of src/ on the stack)';
  byOurFrame.set(ours, (byOurFrame.get(ours) ?? 0) + duration);
  if (!current) {
    current = { start: t, duration: 0, self: new Map(), ours: new Map() };
    stretches.push(current);
  }
  current.duration += duration;
  current.self.set(name, (current.self.get(name) ?? 0) + duration);
  current.ours.set(ours, (current.ours.get(ours) ?? 0) + duration);
}

const ms = (us: number) => (us / 1000).toFixed(1);
const pct = (us: number) => ((us / (total || 1)) * 100).toFixed(1);
const top = (map: Map<string, number>, n: number) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);

console.log(`window ${ms(to - from)} ms; sampled ${ms(total)} ms; busy ${ms(total - idle)} ms (${pct(total - idle)} % of the window, i.e. of one core)`);
console.log(`\nself time by source (busy samples):`);
for (const [name, us] of top(selfBySource, TOP)) console.log(`  ${ms(us).padStart(9)} ms ${pct(us).padStart(5)} %  ${name}`);
console.log(`\nself time by function:`);
for (const [name, us] of top(selfByFunction, TOP)) console.log(`  ${ms(us).padStart(9)} ms ${pct(us).padStart(5)} %  ${name}`);
console.log(`\ninclusive time by ${OUTERMOST ? 'outermost' : 'innermost'} frame of packages/server/src on the stack:`);
for (const [name, us] of top(byOurFrame, TOP)) console.log(`  ${ms(us).padStart(9)} ms ${pct(us).padStart(5)} %  ${name}`);
if (inclusiveNames.length) {
  console.log(`\ninclusive time of samples with the function on the stack:`);
  for (const [name, us] of inclusive) console.log(`  ${ms(us).padStart(9)} ms ${pct(us).padStart(5)} %  ${name}`);
}
console.log(`\nlongest stretches without an idle sample (event loop blocked):`);
for (const s of [...stretches].sort((a, b) => b.duration - a.duration).slice(0, 8)) {
  console.log(`  ${ms(s.duration).padStart(8)} ms at +${ms(s.start - from)} ms`);
  for (const [name, us] of top(s.ours, 3)) console.log(`      ${ms(us).padStart(8)} ms under ${name}`);
  for (const [name, us] of top(s.self, 3)) console.log(`      ${ms(us).padStart(8)} ms self  ${name}`);
}
