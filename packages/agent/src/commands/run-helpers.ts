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
  return { machine, spool: new Spool(dir) };
}

/** Ctrl-C and SIGTERM quit cleanly; a second one quits at once (as a crash would). */
export function onQuitSignals(quit: () => Promise<void>) {
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(130);
      signalled = true;
      log(`${signal}: finishing the recording and closing…`);
      void quit();
    });
  }
}
