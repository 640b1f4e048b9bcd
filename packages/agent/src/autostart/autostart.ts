import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Starting the agent at login, per platform, for the user only (no admin rights): a systemd user unit on
 * Linux, a LaunchAgent on macOS, a hidden launcher in the Startup folder on Windows. `enable` also starts
 * it now; `disable` stops it and removes what `enable` wrote. Used by `vaahshare-agent autostart` (which the
 * install scripts call) and meant for any other part of the agent that offers "start at login".
 */
export interface Autostart {
  /** What starts the agent at login here, in words (for messages). */
  readonly mechanism: string;
  /** The file `enable` writes. */
  readonly file: string;
  enable(executable: string, args: string[]): void;
  disable(): void;
  isEnabled(): boolean;
}

/** Runs a program and returns its stdout; throws when it fails. Real by default; tests pass a recorder. */
export type Run = (program: string, args: string[]) => string;
export const runProgram: Run = (program, args) => execFileSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export class AutostartUnavailable extends Error {}

export interface AutostartEnv {
  platform: NodeJS.Platform;
  home: string;
  env: Record<string, string | undefined>;
  run?: Run;
}

export const UNIT_NAME = 'vaahshare-agent.service';
export const LAUNCH_AGENT_LABEL = 'com.vaahshare.agent';

export function autostartFor({ platform, home, env, run = runProgram }: AutostartEnv): Autostart {
  if (platform === 'linux') return systemdUser(path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'systemd', 'user', UNIT_NAME), env, run);
  if (platform === 'darwin') return launchAgent(path.join(home, 'Library', 'LaunchAgents', `${LAUNCH_AGENT_LABEL}.plist`), home, run);
  if (platform === 'win32') {
    const appData = env.APPDATA || path.join(home, 'AppData', 'Roaming');
    return startupFolder(path.join(appData, 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup', 'vaahshare-agent.vbs'), run);
  }
  throw new AutostartUnavailable(`starting at login is not supported on ${platform}`);
}

/** Quotes one word for a systemd ExecStart line. */
const systemdWord = (word: string) => `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function systemdUser(file: string, env: Record<string, string | undefined>, run: Run): Autostart {
  const systemctl = (...args: string[]) => run('systemctl', ['--user', ...args]);
  const available = () => {
    try {
      systemctl('show-environment');
      return true;
    } catch {
      return false;
    }
  };
  return {
    mechanism: 'a systemd user service',
    file,
    enable(executable, args) {
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
      systemctl('restart', UNIT_NAME);
    },
    disable() {
      if (!fs.existsSync(file)) return;
      const manager = available();
      if (manager) systemctl('disable', '--now', UNIT_NAME);
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
    enable(executable, args) {
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
      // A LaunchAgent loaded before (an update) is replaced: bootout fails harmlessly when none was.
      try {
        run('launchctl', ['bootout', `${domain()}/${LAUNCH_AGENT_LABEL}`]);
      } catch {}
      run('launchctl', ['bootstrap', domain(), file]);
    },
    disable() {
      if (!fs.existsSync(file)) return;
      try {
        run('launchctl', ['bootout', `${domain()}/${LAUNCH_AGENT_LABEL}`]);
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
    enable(executable, args) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // Through wscript the agent runs without a console window (0 = hidden), at each login and now.
      const command = [executable, ...args].map((a) => `""${a.replace(/"/g, '')}""`).join(' ');
      fs.writeFileSync(file, `' VaahShare agent: started at login (vaahshare-agent autostart disable removes it)\r\nCreateObject("WScript.Shell").Run "${command}", 0, False\r\n`);
      run('wscript.exe', [file]);
    },
    disable() {
      fs.rmSync(file, { force: true });
    },
    isEnabled: () => fs.existsSync(file),
  };
}
