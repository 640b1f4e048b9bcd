import os from 'node:os';
import { AutostartUnavailable, autostartFor } from '../autostart/autostart.js';
import { agentExecutable } from '../invocation.js';
import { SettingsError } from '../settings.js';

/** `autostart enable|disable|status`: start the agent at login (and now), or no longer. */
export function autostartCommand(action: string): number {
  const autostart = autostartFor({ platform: process.platform, home: os.homedir(), env: process.env });
  try {
    if (action === 'enable') {
      const [executable, ...args] = agentExecutable();
      autostart.enable(executable!, [...args, 'start']);
      process.stdout.write(`The agent starts at login through ${autostart.mechanism} (${autostart.file}), and is running now.\n`);
    } else if (action === 'disable') {
      const was = autostart.isEnabled();
      autostart.disable();
      process.stdout.write(was ? `The agent no longer starts at login (removed ${autostart.file}).\n` : 'The agent was not set to start at login.\n');
    } else if (action === 'status') {
      process.stdout.write(autostart.isEnabled() ? `enabled: ${autostart.file}\n` : 'disabled\n');
    } else {
      throw new SettingsError(`unknown action "${action}": use enable, disable or status`);
    }
  } catch (err) {
    if (err instanceof AutostartUnavailable) throw new SettingsError(`cannot start the agent at login: ${err.message}`);
    throw err;
  }
  return 0;
}
