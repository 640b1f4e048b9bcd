// What-if experiment (not a server change): loaded with `--import` into a server process, it runs V8's sampling heap
// profiler from the process's start, keeping every sampled allocation (also what young and full GCs collected), and
// after $ALLOC_WINDOW_MS (default 14 000: a storm's restarted server, start-up included) writes the profile to
// `$ALLOC_PROFILE_DIR` (default: the working directory) as alloc-all-<pid>.heapprofile (Chromium DevTools opens it).
// Question asked: how much does each site allocate, garbage included (alloc-sampling.mjs: what outlived the young
// generation)?
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

const session = new inspector.Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
await post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
setTimeout(async () => {
  const { profile } = await post('HeapProfiler.stopSampling');
  fs.writeFileSync(path.join(process.env.ALLOC_PROFILE_DIR ?? '.', `alloc-all-${process.pid}.heapprofile`), JSON.stringify(profile));
}, Number(process.env.ALLOC_WINDOW_MS ?? 14_000)).unref();
