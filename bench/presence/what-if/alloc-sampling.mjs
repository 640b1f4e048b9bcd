// What-if: SIGUSR2 starts V8's sampling heap profiler; the next SIGUSR2 writes what is still alive of what was
// allocated in between (alloc-<pid>-<n>.heapprofile), then starts again.
import fs from 'node:fs';
import inspector from 'node:inspector';
const session = new inspector.Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
let n = 0;
let running = false;
process.on('SIGUSR2', async () => {
  if (running) {
    const { profile } = await post('HeapProfiler.stopSampling');
    fs.writeFileSync(`/tmp/wi/alloc-${process.pid}-${n++}.heapprofile`, JSON.stringify(profile));
  }
  await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true });
  running = true;
});
