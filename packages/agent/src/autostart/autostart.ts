import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { desktopExec, writeDesktopEntry } from './desktop-entry.js';

/**
 * Starting the agent at login, per platform, for the user only (no admin rights): a systemd user unit on
 * Linux (or, on a desktop without a systemd user manager, the session's XDG autostart folder), a LaunchAgent
 * on macOS, a hidden launcher in the Startup folder on Windows. `enable` also starts it now; `disable` stops
 * it and removes what `enable` wrote — unless `now: false`, which the agent's window passes: the running
 * agent is the one asking, and keeps running. Used by `vaahshare-agent autostart` (which the install
 * scripts call) and the window's Settings.
 */
export interface Autostart {
  /** What starts the agent at login here, in words (for messages). */
  readonly mechanism: string;
  /** The file `enable` writes. */
  readonly file: string;
  enable(executable: string, args: string[], options?: Now): void;
  disable(options?: Now): void;
  isEnabled(): boolean;
}

/** Runs a program and returns its stdout; throws when it fails. Real by default; tests pass a recorder. */
export type Run = (program: string, args: string[]) => string;
export const runProgram: Run = (program, args) => execFileSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Starts a program in the background, detached from this one. */
export type Launch = (program: string, args: string[]) => void;
const launchProgram: Launch = (program, args) => spawn(program, args, { detached: true, stdio: 'ignore' }).unref();

/** Whether `enable` also (re)starts the agent now, and `disable` stops it (default: yes). */
export interface Now {
  now?: boolean;
}

export class AutostartUnavailable extends Error {}

export interface AutostartEnv {
  platform: NodeJS.Platform;
  home: string;
  env: Record<string, string | undefined>;
  run?: Run;
  launch?: Launch;
}

export const UNIT_NAME = 'vaahshare-agent.service';
export const LAUNCH_AGENT_LABEL = 'com.vaahshare.agent';

export function autostartFor({ platform, home, env, run = runProgram, launch = launchProgram }: AutostartEnv): Autostart {
  if (platform === 'linux') return linuxAutostart(env.XDG_CONFIG_HOME || path.join(home, '.config'), env, run, launch);
  if (platform === 'darwin') return launchAgent(path.join(home, 'Library', 'LaunchAgents', `${LAUNCH_AGENT_LABEL}.plist`), home, run);
  if (platform === 'win32') {
    const appData = env.APPDATA || path.join(home, 'AppData', 'Roaming');
    return startupFolder(path.join(appData, 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup', 'vaahshare-agent.vbs'), run);
  }
  throw new AutostartUnavailable(`starting at login is not supported on ${platform}`);
}

/**
 * systemd when the user's manager runs (it restarts a crashed agent); else, in a desktop session, the XDG
 * autostart folder that the session itself starts; else systemd, whose `enable` says why it cannot.
 */
function linuxAutostart(configHome: string, env: Record<string, string | undefined>, run: Run, launch: Launch): Autostart {
  const systemd = systemdUser(path.join(configHome, 'systemd', 'user', UNIT_NAME), env, run);
  const xdg = xdgAutostart(path.join(configHome, 'autostart', 'vaahshare-agent.desktop'), launch);
  if (xdg.isEnabled()) return xdg;
  const desktop = Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  if (systemd.isEnabled() || !desktop || systemdRuns(run)) return systemd;
  return xdg;
}

function systemdRuns(run: Run): boolean {
  try {
    run('systemctl', ['--user', 'show-environment']);
    return true;
  } catch {
    return false;
  }
}

function xdgAutostart(file: string, launch: Launch): Autostart {
  return {
    mechanism: "the desktop session's autostart",
    file,
    enable(executable, args, { now = true } = {}) {
      writeDesktopEntry(file, {
        Type: 'Application',
        Name: 'VaahShare agent',
        Comment: 'Streams and records this screen (vaahshare-agent autostart disable removes this)',
        Exec: desktopExec([executable, ...args]),
        Terminal: 'false',
        NoDisplay: 'true',
        'X-GNOME-Autostart-enabled': 'true',
      });
      if (now) launch(executable, args);
    },
    // The session started the agent without a handle to stop it by: `vaahshare-agent stop` does that.
    disable: () => fs.rmSync(file, { force: true }),
    isEnabled: () => fs.existsSync(file),
  };
}

/** Quotes one word for a systemd ExecStart line. */
const systemdWord = (word: string) => `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function systemdUser(file: string, env: Record<string, string | undefined>, run: Run): Autostart {
  const systemctl = (...args: string[]) => run('systemctl', ['--user', ...args]);
  const available = () => systemdRuns(run);
  return {
    mechanism: 'a systemd user service',
    file,
    enable(executable, args, { now = true } = {}) {
      if (!available()) throw new AutostartUnavailable('systemd is not running for this user here (no `systemctl --user`)');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(
        file,
        [
          '[Unit]',
          'Description=VaahShare agent (streams and records this screen)',
          'After=graphical-session.target',
          '',
          '[Service]',
          `ExecStart=${[executable, ...args].map(systemdWord).join(' ')}`,
          'Restart=on-failure',
          'RestartSec=5',
          '',
          '[Install]',
          'WantedBy=default.target',
          '',
        ].join('\n'),
      );
      // The user manager does not know the display of the session the install ran in.
      const display = ['DISPLAY', 'XAUTHORITY', 'WAYLAND_DISPLAY'].filter((name) => env[name]);
      if (display.length) systemctl('import-environment', ...display);
      systemctl('daemon-reload');
      systemctl('enable', UNIT_NAME);
      if (now) systemctl('restart', UNIT_NAME);
    },
    disable({ now = true } = {}) {
      if (!fs.existsSync(file)) return;
      const manager = available();
      if (manager) systemctl('disable', ...(now ? ['--now'] : []), UNIT_NAME);
      fs.rmSync(file);
      if (manager) systemctl('daemon-reload');
    },
    isEnabled: () => fs.existsSync(file),
  };
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function launchAgent(file: string, home: string, run: Run): Autostart {
  const domain = () => `gui/${run('id', ['-u']).trim()}`;
  const log = path.join(home, 'Library', 'Logs', 'vaahshare-agent.log');
  return {
    mechanism: 'a LaunchAgent',
    file,
    enable(executable, args, { now = true } = {}) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.mkdirSync(path.dirname(log), { recursive: true });
      const programArguments = [executable, ...args].map((a) => `    <string>${xml(a)}</string>`).join('\n');
      fs.writeFileSync(
        file,
        `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>${LAUNCH_AGENT_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${programArguments}
  </array>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
  <key>StandardOutPath</key><string>${xml(log)}</string>
  <key>StandardErrorPath</key><string>${xml(log)}</string>
</dict>
</plist>
`,
      );
      if (!now) return;
      // A LaunchAgent loaded before (an update) is replaced: bootout fails harmlessly when none was.
      try {
        run('launchctl', ['bootout', `${domain()}/${LAUNCH_AGENT_LABEL}`]);
      } catch {}
      run('launchctl', ['bootstrap', domain(), file]);
    },
    disable({ now = true } = {}) {
      if (!fs.existsSync(file)) return;
      try {
        if (now) run('launchctl', ['bootout', `${domain()}/${LAUNCH_AGENT_LABEL}`]);
      } catch {}
      fs.rmSync(file);
    },
    isEnabled: () => fs.existsSync(file),
  };
}

function startupFolder(file: string, run: Run): Autostart {
  return {
    mechanism: 'the Startup folder',
    file,
    enable(executable, args, { now = true } = {}) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // Through wscript the agent runs without a console window (0 = hidden), at each login and now.
      const command = [executable, ...args].map((a) => `""${a.replace(/"/g, '')}""`).join(' ');
      fs.writeFileSync(file, `' VaahShare agent: started at login (vaahshare-agent autostart disable removes it)\r\nCreateObject("WScript.Shell").Run "${command}", 0, False\r\n`);
      if (now) run('wscript.exe', [file]);
    },
    disable() {
      fs.rmSync(file, { force: true });
    },
    isEnabled: () => fs.existsSync(file),
  };
}
