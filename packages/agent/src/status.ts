import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** What a running agent tells `vaahshare-agent status` (a file in its spool directory). */
const statusSchema = z.object({
  pid: z.number(),
  user_host: z.string(),
  server: z.string().nullable(),
  state: z.enum(['connecting', 'offline', 'live', 'catching-up', 'recording', 'stopping', 'stopped']),
  segment: z.string().nullable(),
  /** Captured bytes the server has not acknowledged yet. */
  pending_bytes: z.number(),
  started_at: z.string(),
  /** The port of the agent's window on 127.0.0.1 (`vaahshare-agent open`), once it listens. */
  gui_port: z.number().nullable().optional(),
  updated_at: z.string(),
});
export type AgentStatus = z.infer<typeof statusSchema>;

export const statusFile = (spoolDir: string) => path.join(spoolDir, 'status.json');

export function writeStatus(spoolDir: string, status: Omit<AgentStatus, 'updated_at'>) {
  const file = statusFile(spoolDir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ ...status, updated_at: new Date().toISOString() }));
  fs.renameSync(`${file}.tmp`, file);
}

export function readStatus(spoolDir: string): AgentStatus | null {
  try {
    const parsed = statusSchema.safeParse(JSON.parse(fs.readFileSync(statusFile(spoolDir), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The status of an agent that is still running (a stale file of a crashed one is ignored). */
export function runningAgent(spoolDir: string): AgentStatus | null {
  const status = readStatus(spoolDir);
  return status && status.state !== 'stopped' && isAlive(status.pid) ? status : null;
}
