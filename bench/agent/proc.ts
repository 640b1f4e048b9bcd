import fs from 'node:fs';
import { cpuSeconds, median, rssBytes, sleep } from '../presence/lib.js';

/** Direct children of a process (every thread's list), e.g. the agent's ffmpeg. */
export function childPids(pid: number): number[] {
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

export interface Usage {
  /** % of one core over the window, per pid. */
  cpu: number[];
  /** Median and peak VmRSS of the first pid, MB. */
  rssMedianMb: number;
  rssMaxMb: number;
}

/** CPU of each pid over `seconds`, and the first pid's RSS sampled twice a second. */
export async function measure(pids: number[], seconds: number): Promise<Usage> {
  const before = pids.map(cpuSeconds);
  const start = performance.now();
  const rss: number[] = [];
  while (performance.now() - start < seconds * 1000) {
    rss.push(rssBytes(pids[0]) / 1e6);
    await sleep(500);
  }
  const elapsed = (performance.now() - start) / 1000;
  return {
    cpu: pids.map((pid, i) => ((cpuSeconds(pid) - before[i]) / elapsed) * 100),
    rssMedianMb: median(rss),
    rssMaxMb: Math.max(...rss),
  };
}
