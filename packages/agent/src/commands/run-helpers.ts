import fs from 'node:fs';
import path from 'node:path';
import { machineInfo } from '../machine-info.js';
import { runningAgent } from '../status.js';
import { SettingsError, type Settings } from '../settings.js';
import { Spool, spoolDirOf } from '../spool/spool.js';
import { agentCommand } from '../invocation.js';

export const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

/** The spool of this identity; one agent (start or record) at a time may use it. */
export function openSpool(settings: Settings) {
  const machine = machineInfo(settings.userHost);
  const dir = spoolDirOf(settings.dataDir, machine.user_host);
  const running = runningAgent(dir);
  if (running && running.pid !== process.pid) {
    throw new SettingsError(`An agent for ${machine.user_host} is already running (pid ${running.pid}): stop it with \`${agentCommand()} stop\`, or pass another --user-host`);
  }
  // A request left by a `stop` that found the agent already gone must not stop this one.
  fs.rmSync(stopRequestFile(dir), { force: true });
  return { machine, spool: new Spool(dir) };
}

/**
 * Windows has no signal a process can catch from another one (`process.kill` there terminates at once), so
 * `stop` asks for a clean quit with this file in the agent's spool instead.
 */
export const stopRequestFile = (spoolDir: string) => path.join(spoolDir, 'stop-request');

/** Ctrl-C, SIGTERM and a stop request (`stop`, on Windows) quit cleanly; a second signal quits at once (as a crash would). */
export function onQuitSignals(quit: () => Promise<void>, spoolDir: string) {
  let quitting = false;
  const quitOnce = (why: string) => {
    if (quitting) return;
    quitting = true;
    log(`${why}: finishing the recording and closing…`);
    void quit();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (quitting) process.exit(130);
      quitOnce(signal);
    });
  }
  const request = stopRequestFile(spoolDir);
  const poll = setInterval(() => {
    if (!fs.existsSync(request)) return;
    fs.rmSync(request, { force: true });
    clearInterval(poll);
    quitOnce('stop requested');
  }, 250);
  poll.unref();
}
