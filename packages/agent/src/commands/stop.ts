import fs from 'node:fs';
import { machineInfo } from '../machine-info.js';
import { loadSettings, type Flags } from '../settings.js';
import { isAlive } from '../status.js';
import { spoolDirOf } from '../spool/spool.js';
import { stopRequestFile } from './run-helpers.js';
import { collectReports } from './status.js';
import { agentCommand } from '../invocation.js';

/** Long enough for an agent to send the rest of its segment and say goodbye (it waits at most ~20 s). */
const STOP_WAIT_MS = 30_000;

/** `stop`: asks running agents to quit cleanly (SIGTERM; a stop request file on Windows) and waits until they did. */
export async function stopCommand(flags: Flags & { all?: boolean }): Promise<number> {
  const settings = loadSettings(flags);
  const userHost = flags.all ? undefined : machineInfo(settings.userHost).user_host;
  const running = collectReports(settings.dataDir, userHost).filter((r) => r.running);
  if (!running.length) {
    process.stdout.write(`No running agent${userHost ? ` for ${userHost}` : ''} (see \`${agentCommand()} status\`)\n`);
    return 1;
  }
  for (const report of running) {
    if (process.platform === 'win32') fs.writeFileSync(stopRequestFile(spoolDirOf(settings.dataDir, report.user_host)), '');
    else process.kill(report.status!.pid, 'SIGTERM');
  }
  const deadline = Date.now() + STOP_WAIT_MS;
  while (running.some((r) => isAlive(r.status!.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const report of running) {
    const stopped = !isAlive(report.status!.pid);
    process.stdout.write(`${report.user_host}: ${stopped ? 'stopped' : `still running (pid ${report.status!.pid})`}\n`);
  }
  return running.every((r) => !isAlive(r.status!.pid)) ? 0 : 1;
}
