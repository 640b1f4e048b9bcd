import fs from 'node:fs';
import path from 'node:path';
import { loadSettings, type Flags } from '../settings.js';
import { Spool } from '../spool/spool.js';
import { isAlive, readStatus, type AgentStatus } from '../status.js';

export interface AgentReport {
  user_host: string;
  running: boolean;
  status: AgentStatus | null;
  /** Local recordings not yet on the server. */
  pending: Array<{ id: string; mode: string; bytes: number }>;
}

/** Every identity that has a spool under the data directory, with its agent's state. */
export function collectReports(dataDir: string, userHost?: string): AgentReport[] {
  const root = path.join(dataDir, 'spool');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .map((name) => {
      const dir = path.join(root, name);
      const status = readStatus(dir);
      const running = Boolean(status && status.state !== 'stopped' && isAlive(status.pid));
      const pending = new Spool(dir).list(running && status?.segment ? [status.segment] : []).map((s) => ({ id: s.id, mode: s.mode, bytes: fs.statSync(s.file).size }));
      return { user_host: status?.user_host ?? name, running, status, pending };
    })
    .filter((r) => !userHost || r.user_host === userHost);
}

function describe(report: AgentReport): string {
  const s = report.status;
  const head = report.running && s
    ? `${report.user_host}: ${s.state} (pid ${s.pid}, server ${s.server ?? 'none'}, since ${s.started_at}), ${(s.pending_bytes / 1e6).toFixed(1)} MB not yet on the server`
    : `${report.user_host}: not running`;
  const pending = report.pending.map((p) => `  waiting to be sent: ${p.id} (${p.mode}, ${(p.bytes / 1e6).toFixed(1)} MB)`);
  return [head, ...pending].join('\n');
}

export function statusCommand(flags: Flags & { json?: boolean }): number {
  const settings = loadSettings(flags);
  const reports = collectReports(settings.dataDir, flags.userHost ?? settings.userHost);
  if (flags.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else if (!reports.length) process.stdout.write(`No agent has run with the data directory ${settings.dataDir}\n`);
  else process.stdout.write(`${reports.map(describe).join('\n')}\n`);
  return 0;
}
