// Loaded with `--expose-gc --import` into every server a benchmark measures (ours and bare alike): on SIGWINCH it
// runs full garbage collections and prints `bench-gc-done <n>`, which forceGc (lib.ts) waits for, so that RSS can be
// read without the garbage of earlier phases. The inspector did this before (HeapProfiler.collectGarbage), but a
// server started with `--inspect` spent ~20 % more CPU in a reconnect storm although nobody attached until the RSS
// reading (ours 10.0–13.4 s a storm, 8.3–9.7 without; bare unchanged: docs/bench-log/presence.md, 2026-12-03), and
// `npm start` runs no inspector. SIGWINCH: ignored by Node by default, handled by neither server.
let collections = 0;
process.on('SIGWINCH', () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
  process.stderr.write(`bench-gc-done ${++collections}\n`);
});
