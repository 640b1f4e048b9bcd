import os from 'node:os';
import { AutostartUnavailable } from '../autostart/autostart.js';
import { menuEntryFor } from '../autostart/menu-entry.js';
import { agentExecutable } from '../invocation.js';
import { SettingsError } from '../settings.js';

/** `menu add|remove|status`: the application-menu entry "VaahShare" that opens the agent's window. */
export function menuCommand(action: string): number {
  try {
    const entry = menuEntryFor({ platform: process.platform, home: os.homedir(), env: process.env });
    if (action === 'add') {
      const [executable, ...args] = agentExecutable();
      entry.add(executable!, [...args, 'open']);
      process.stdout.write(`The application menu has "VaahShare", which opens the agent's window (${entry.file}).\n`);
    } else if (action === 'remove') {
      const was = entry.exists();
      entry.remove();
      process.stdout.write(was ? `Removed the menu entry ${entry.file}.\n` : 'There was no menu entry.\n');
    } else if (action === 'status') {
      process.stdout.write(entry.exists() ? `added: ${entry.file}\n` : 'none\n');
    } else {
      throw new SettingsError(`unknown action "${action}": use add, remove or status`);
    }
  } catch (err) {
    if (err instanceof AutostartUnavailable) throw new SettingsError(err.message);
    throw err;
  }
  return 0;
}
