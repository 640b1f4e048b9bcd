import fs from 'node:fs';
import path from 'node:path';
import { AutostartUnavailable } from './autostart.js';
import { desktopExec, writeDesktopEntry } from './desktop-entry.js';

/** An entry in the desktop's application menu that opens the agent's window (`vaahshare-agent open`). */
export interface MenuEntry {
  readonly file: string;
  add(executable: string, args: string[]): void;
  remove(): void;
  exists(): boolean;
}

export const MENU_ENTRY_FILE = 'vaahshare-agent.desktop';

/**
 * Linux: an XDG application entry "VaahShare" in the user's applications folder, which every freedesktop
 * menu (GNOME, KDE, Xfce, …) lists. Windows gets its Start-menu shortcut from install.ps1 (a .lnk needs the
 * Windows shell to write); macOS has no per-user application menu for a command-line program.
 */
export function menuEntryFor({ platform, home, env }: { platform: NodeJS.Platform; home: string; env: Record<string, string | undefined> }): MenuEntry {
  if (platform === 'win32') throw new AutostartUnavailable('on Windows the install script adds the Start-menu shortcut "VaahShare"');
  if (platform !== 'linux') throw new AutostartUnavailable(`there is no application menu entry on ${platform}: open the window with \`vaahshare-agent open\``);
  const file = path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'applications', MENU_ENTRY_FILE);
  return {
    file,
    add(executable, args) {
      writeDesktopEntry(file, {
        Type: 'Application',
        Name: 'VaahShare',
        GenericName: 'Screen recording agent',
        Comment: 'See what the VaahShare agent records, who is watching, and its settings',
        Exec: desktopExec([executable, ...args]),
        Icon: 'video-display',
        Terminal: 'false',
        Categories: 'Network;Utility;',
      });
    },
    remove: () => fs.rmSync(file, { force: true }),
    exists: () => fs.existsSync(file),
  };
}
