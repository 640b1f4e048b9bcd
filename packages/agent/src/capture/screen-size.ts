import { execFileSync } from 'node:child_process';

/** The X11 screen's size (`1920x1080`) from `xdpyinfo`, or undefined when it cannot be told. */
export function x11ScreenSize(xdpyinfo: string | null, display: string): string | undefined {
  if (!xdpyinfo) return undefined;
  try {
    const out = execFileSync(xdpyinfo, ['-display', display], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
    return /dimensions:\s+(\d+x\d+) pixels/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}
