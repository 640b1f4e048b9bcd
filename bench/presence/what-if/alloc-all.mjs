// Temporary: sampling heap profiler from process start, all allocations (also what young/old GCs collected), written after $ALLOC_WINDOW_MS.
import fs from 'node:fs';
import inspector from 'node:inspector';
const session = new inspector.Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
await post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
setTimeout(async () => {
  const { profile } = await post('HeapProfiler.stopSampling');
  fs.writeFileSync(`/tmp/alloc-all-${process.pid}.heapprofile`, JSON.stringify(profile));
}, Number(process.env.ALLOC_WINDOW_MS ?? 14000)).unref();
