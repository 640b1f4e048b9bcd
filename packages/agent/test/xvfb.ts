import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A virtual X server (Xvfb) on a display number it picks itself, for real x11grab capture in tests. `fbdir`: the
 * screen's memory is also the file `<fbdir>/Xvfb_screen0` (XWD), which a benchmark may paint into directly.
 */
export async function startXvfb(size = '1280x720', fbdir?: string) {
  // -noreset: without it Xvfb resets (and its idle time with it) whenever its last client leaves, e.g. after each
  // xprintidle when nothing captures the screen; a real desktop always has clients.
  const args = ['-displayfd', '3', '-screen', '0', `${size}x24`, '-nolisten', 'tcp', '-noreset', ...(fbdir ? ['-fbdir', fbdir] : [])];
  const child = spawn('Xvfb', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not start (is the xvfb package installed?)')), 10_000);
    child.once('error', reject);
    child.stdio[3]!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${out.trim()}`);
      }
    });
  });
  const env = { ...process.env, DISPLAY: display };
  return {
    display,
    /** Real input through the X server (XTEST), as a user's mouse would. */
    moveMouse: (x: number, y: number) => run('xdotool', ['mousemove', String(x), String(y)], { env }),
    idleMs: async () => Number((await run('xprintidle', [], { env })).stdout.trim()),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
