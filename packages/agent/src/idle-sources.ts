import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Reads how long the desktop has had no keyboard or mouse input, in ms (null: unknown right now). */
export interface IdleSource {
  read(): Promise<number | null>;
  stop(): void;
}

export interface IdleSourceTools {
  /** Debian's `xprintidle` (Linux, X11). */
  xprintidle: string | null;
  /** `powershell.exe` (Windows). */
  powershell: string | null;
  /** `ioreg` (macOS). */
  ioreg: string | null;
}

/** macOS: the HID system's idle time, in nanoseconds, from `ioreg -c IOHIDSystem`. */
export function parseIoregIdleMs(stdout: string): number | null {
  // Its own line: HIDParameters also holds an HIDIdleTime, a stale one.
  const match = /^[\s|]*"HIDIdleTime" = (\d+)$/m.exec(stdout);
  return match ? Math.floor(Number(match[1]) / 1e6) : null;
}

/** A line of the Windows watcher below: milliseconds since the last input. */
export function parseWindowsIdleMs(line: string): number | null {
  const trimmed = line.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

/**
 * Windows: GetLastInputInfo (user32) through one PowerShell process that prints the idle time every second,
 * rather than a PowerShell per reading (each would compile the call again: most of a second of CPU).
 * TickCount and dwTime are both 32-bit milliseconds, so the difference is taken modulo 2^32.
 */
export const WINDOWS_IDLE_SCRIPT = `
Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class VaahShareIdle {
  [StructLayout(LayoutKind.Sequential)] struct LastInputInfo { public uint cbSize; public uint dwTime; }
  [DllImport("user32.dll")] static extern bool GetLastInputInfo(ref LastInputInfo info);
  public static long Milliseconds() {
    var info = new LastInputInfo();
    info.cbSize = (uint)Marshal.SizeOf(info);
    if (!GetLastInputInfo(ref info)) return -1;
    return (long)(unchecked((uint)Environment.TickCount - info.dwTime));
  }
}
'@
while ($true) { [Console]::Out.WriteLine([VaahShareIdle]::Milliseconds()); [Console]::Out.Flush(); Start-Sleep -Milliseconds 1000 }
`;

function windowsSource(powershell: string): IdleSource {
  let latest: number | null = null;
  let child: ChildProcess | null = null;
  const start = () => {
    child = spawn(powershell, ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WINDOWS_IDLE_SCRIPT], { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
    createInterface({ input: child.stdout! }).on('line', (line) => (latest = parseWindowsIdleMs(line)));
    child.on('error', () => (latest = null));
  };
  return {
    async read() {
      if (!child) start();
      return latest;
    },
    stop: () => child?.kill(),
  };
}

function commandSource(program: string, args: string[], parse: (stdout: string) => number | null, env?: NodeJS.ProcessEnv): IdleSource {
  return {
    async read() {
      try {
        const { stdout } = await run(program, args, { env, timeout: 2000 });
        return parse(stdout);
      } catch {
        return null;
      }
    },
    stop: () => undefined,
  };
}

const parseXprintidle = (stdout: string) => {
  const ms = Number(stdout.trim());
  return stdout.trim() && Number.isFinite(ms) ? ms : null;
};

/** The idle time source of this platform, or why there is none (said once in the log). */
export function idleSourceFor(platform: NodeJS.Platform, tools: IdleSourceTools, display: string): IdleSource | { unavailable: string } {
  if (platform === 'win32') return tools.powershell ? windowsSource(tools.powershell) : { unavailable: 'PowerShell (powershell.exe) is not on PATH' };
  if (platform === 'darwin') return tools.ioreg ? commandSource(tools.ioreg, ['-c', 'IOHIDSystem', '-r', '-d', '1'], parseIoregIdleMs) : { unavailable: 'ioreg is not on PATH' };
  if (!tools.xprintidle) return { unavailable: 'install xprintidle (Debian/Ubuntu: apt install xprintidle)' };
  return commandSource(tools.xprintidle, [], parseXprintidle, { ...process.env, DISPLAY: display });
}
