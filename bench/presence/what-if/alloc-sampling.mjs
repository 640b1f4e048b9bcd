// What-if experiment (not a server change): loaded with `--import` into our server process. SIGUSR2 starts V8's
// sampling heap profiler; the next SIGUSR2 writes what was allocated in between and outlived the young generation
// (collected by a full GC or not yet: what filled the old generation) to `$ALLOC_PROFILE_DIR` (default: the
// working directory) as alloc-<pid>-<n>.heapprofile (Chromium DevTools opens it), then starts again.
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
const session = new inspector.Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
let n = 0;
let running = false;
process.on('SIGUSR2', async () => {
  if (running) {
    const { profile } = await post('HeapProfiler.stopSampling');
    fs.writeFileSync(path.join(process.env.ALLOC_PROFILE_DIR ?? '.', `alloc-${process.pid}-${n++}.heapprofile`), JSON.stringify(profile));
  }
  await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true });
  running = true;
});
