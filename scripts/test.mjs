// Runs every *.test.ts of the workspace with node's test runner (through tsx), once on SQLite and —
// when TEST_DATABASE_URL names a PostgreSQL server — once more on PostgreSQL for the server's tests.
// Ends with one line "N passed, N failed" over all runs.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const startedAt = performance.now();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const filter = process.argv.slice(2);

function findTests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const all = findTests(path.join(root, 'packages')).filter((f) => !filter.length || filter.some((p) => f.includes(p)));
// Browser test files run one at a time (they share a machine-wide lock), in a run of their own after the others,
// so that waiting for the browser never holds the runner's slots.
const inBrowser = (f) => f.includes(`${path.sep}e2e${path.sep}`);
const runs = [
  { name: 'SQLite', files: all.filter((f) => !inBrowser(f)), env: { TEST_DATABASE_URL: '' }, concurrency: 4 },
  { name: 'Browser (SQLite)', files: all.filter(inBrowser), env: { TEST_DATABASE_URL: '' }, concurrency: 1 },
];
if (process.env.TEST_DATABASE_URL) {
  runs.push({ name: 'PostgreSQL', files: all.filter((f) => f.includes(`${path.sep}server${path.sep}`) && !f.includes('sqlite')), env: {}, concurrency: 4 });
}

/** Runs a build step before any test starts when some selected file needs it; a failed build fails the run. */
function buildFirst(needed, args) {
  if (!all.some(needed)) return;
  const build = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.log('\n0 passed, 1 failed');
    process.exit(1);
  }
}
const under = (...dirs) => (f) => f.includes(`${path.sep}${dirs.join(path.sep)}${path.sep}`);

// Each build is made once here (when a source is newer than its output), not by several test files at once, and
// its CPU does not compete with the first tests (their servers must start within their time limits):
// - the dashboard, for its browser tests;
buildFirst(under('dashboard', 'e2e'), ['--import', 'tsx', 'packages/dashboard/build/ensure-build.ts']);
// - the server's bundle, which tests that start server processes run, as `npm start` does;
buildFirst(under('server'), ['packages/server/scripts/build.mjs']);
// - the agent's CLI, share page and window, which agent processes started together would otherwise each build;
buildFirst((f) => under('agent')(f) || under('server')(f), ['packages/agent/scripts/build.mjs']);
// - the linux-x64 agent executable, which the install and self-update tests run.
const runsExecutable = (f) => f.endsWith(`${path.sep}agent-downloads${path.sep}install.test.ts`) || f.endsWith(`${path.sep}agent${path.sep}test${path.sep}self-update.test.ts`);
buildFirst(runsExecutable, ['packages/agent/scripts/build-executables.mjs', 'linux-x64', '--if-stale']);

/** Runs node's test runner on some files, its output passed through; resolves with its exit code and output. */
function runTests(run) {
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx',
      '--test',
      `--test-concurrency=${run.concurrency}`,
      // A test that fails with clients or servers still open must not keep its file's process, and the run, alive.
      '--test-force-exit',
      '--test-reporter=spec',
      ...run.files,
    ],
    { cwd: root, stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, ...run.env } },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    output += chunk;
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, output })));
}

const seconds = (ms) => `${Math.round(ms / 1000)} s`;

/** The spec reporter's closing list of failures, with their errors; it ends a run's output. */
const failureDetails = (output) => output.match(/^✖ failing tests:$[\s\S]*/m)?.[0].trimEnd();

let passed = 0;
let failed = 0;
const failures = [];
const durations = [];
for (const run of runs) {
  if (!run.files.length) continue;
  console.log(`\n=== ${run.name}: ${run.files.length} test files ===`);
  const runStartedAt = performance.now();
  const { status, output } = await runTests(run);
  durations.push(`${run.name} ${seconds(performance.now() - runStartedAt)}`);
  // The spec reporter's summary; forced exit can cut a file reporter short, never the synchronous pipe to us.
  const count = (key) => Number(output.match(new RegExp(`^ℹ ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled') + (status !== 0 && count('fail') === 0 ? 1 : 0);
  const details = failureDetails(output);
  if (details) failures.push(`=== ${run.name}: ${details}`);
}
// Said again at the end, where a reader of a long log (CI shows its tail) finds them: each run's own list is
// followed by the later runs' whole output.
if (failures.length) console.log(`\n${failures.join('\n\n')}`);
// The suite should stay under 15 minutes (CI runs it on a 2-core machine): where the time goes, run by run.
console.log(`\n${durations.join(' · ')} — ${seconds(performance.now() - startedAt)} in all, builds included`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
