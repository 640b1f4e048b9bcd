// Loaded with `--import` into every server a benchmark measures (ours and bare alike): on SIGWINCH it collects
// garbage as the benchmarks always have (twice HeapProfiler.collectGarbage: V8's low-memory collection, which also
// gives free pages back), through an in-process inspector session held only for that, and prints `bench-gc-done <n>`,
// which forceGc (lib.ts) waits for. Before, the servers ran with `--inspect` and the benchmark attached to it; no
// `npm start` runs an inspector agent, so neither does a measured server. SIGWINCH: ignored by Node unless handled,
// and handled by neither server.
import { Session } from 'node:inspector';

let collections = 0;
const post = (session, method) => new Promise((resolve, reject) => session.post(method, (err) => (err ? reject(err) : resolve())));
process.on('SIGWINCH', async () => {
  const session = new Session();
  session.connect();
  try {
    for (let i = 0; i < 2; i++) await post(session, 'HeapProfiler.collectGarbage');
    process.stderr.write(`bench-gc-done ${++collections}\n`);
  } finally {
    session.disconnect();
  }
});
