import { spawn } from 'node:child_process';
import { guiUrl, loadOrCreateSecret } from '../gui/secret.js';
import { loadSettings, SettingsError, type Flags } from '../settings.js';
import { collectReports } from './status.js';

/** The system's "open this address in the default browser". */
function opener(url: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', url]];
  return ['xdg-open', [url]];
}

/** The address of the running agent's window (with its secret). */
export function windowAddress(flags: Flags): string {
  const settings = loadSettings(flags);
  const running = collectReports(settings.dataDir, flags.userHost ?? settings.userHost).filter((r) => r.running && r.status?.gui_port);
  if (!running.length) throw new SettingsError('No running agent has a window: start one with `vaahshare-agent start` (see `vaahshare-agent status`)');
  if (running.length > 1) throw new SettingsError(`Several agents run (${running.map((r) => r.user_host).join(', ')}): pass --user-host`);
  return guiUrl(running[0].status!.gui_port!, loadOrCreateSecret(settings.dataDir));
}

const WAIT_STEP_MS = 250;

/** The window's address once an agent that is starting has one (the install opens it right after starting the agent). */
async function windowAddressWithin(flags: Flags, waitSeconds: number): Promise<string> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    try {
      return windowAddress(flags);
    } catch (err) {
      if (!(err instanceof SettingsError) || Date.now() >= deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
}

/** `open`: opens the running agent's window in the default browser, or prints its address (`--print`). */
export async function openCommand(flags: Flags & { print?: boolean; wait?: string }): Promise<number> {
  const waitSeconds = Number(flags.wait ?? 0);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new SettingsError(`--wait must be a number of seconds, not "${flags.wait}"`);
  const url = await windowAddressWithin(flags, waitSeconds);
  if (flags.print) {
    process.stdout.write(`${url}\n`);
    return 0;
  }
  const [command, args] = opener(url);
  const opened = await new Promise<boolean>((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
  if (!opened) throw new SettingsError(`could not run ${command}: open ${url} in your browser`);
  process.stdout.write(`Opened the agent's window in your browser.\n`);
  return 0;
}
