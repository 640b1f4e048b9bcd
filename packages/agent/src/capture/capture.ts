import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { captureArgs, type CaptureOptions, type EncodeMode } from './capture-args.js';

export interface CaptureTools {
  ffmpeg: string;
  /** util-linux `setpriv`: makes ffmpeg die with the agent, so a crash stops the capture too. */
  setpriv: string | null;
}

/** How long ffmpeg gets to write its last cluster after `q` before it is killed. */
const STOP_GRACE_MS = 5000;

/**
 * One ffmpeg process capturing into one segment file (appending). It runs on its own: a stalled
 * network or a busy agent never makes it drop frames.
 */
export class Capture {
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  private readonly child: ChildProcess;
  private stderr = '';
  private stopping = false;

  constructor(options: CaptureOptions, mode: EncodeMode, file: string, tools: CaptureTools) {
    const out = fs.openSync(file, 'a');
    const args = captureArgs(options, mode);
    // Linux: the parent-death signal makes ffmpeg finish its file when the agent is killed.
    const [command, argv] = tools.setpriv ? [tools.setpriv, ['--pdeathsig', 'SIGTERM', tools.ffmpeg, ...args]] : [tools.ffmpeg, args];
    // Its own process group: a Ctrl-C in the terminal reaches the agent only, which then stops ffmpeg in order.
    this.child = spawn(command, argv, { stdio: ['pipe', out, 'pipe'], detached: true });
    fs.closeSync(out);
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    this.child.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => resolve({ code: -1, stderr: err.message }));
      this.child.on('exit', (code) => resolve({ code, stderr: this.stderr.trim() }));
    });
  }

  get pid() {
    return this.child.pid;
  }

  /** Was the exit asked for (`stop`), or did ffmpeg end by itself? */
  get stopRequested() {
    return this.stopping;
  }

  /** Asks ffmpeg to finish (`q`: it writes its last cluster); kills it if it does not within a few seconds. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end('q');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
