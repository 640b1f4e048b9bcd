import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { AgentUpdateOffer, AgentUpdateStatus } from '@vaahshare/protocol';
import { AGENT_PLATFORM, AGENT_VERSION } from '../version.js';
import { DownloadRefused, downloadBuild, executableFiles, rollBack, swapIn, type ExecutableFiles } from './executable-files.js';
import { readUpdateRecord, writeUpdateRecord } from './update-record.js';

/** A service manager restarts the agent when it exits with a failure code; this one means "run me again". */
export const EXIT_RESTART = 75;

export interface SelfUpdateOptions {
  server: string;
  dataDir: string;
  /** The installed executable this process runs from; null when it runs from source (node, tsx): no self-update. */
  executable: string | null;
  /** The arguments this process was started with, for the executable it starts in its place. */
  args: string[];
  trialMs: number;
  /** The version this process was started to try (by the agent it replaces), if any. */
  trial: string | undefined;
  service: 'systemd' | 'launchd' | null;
  log(line: string): void;
  /** Tells the server where the update stands (when connected; the failure also goes with every client-connected). */
  report(status: AgentUpdateStatus): void;
  /** Stops capturing and disconnects without closing the recording: the spool keeps the rest for the next process. */
  handOver(): Promise<void>;
}

/**
 * The agent's self-update (PROTOCOL.md §8.14): on an offer of another build, download it, check its sha256, take its
 * place (the old executable stays beside it), start it, and wait for it to connect; if it does not within the trial,
 * put the old one back and start that. The old process is the watchdog: a new build that dies at once runs none of
 * our code to roll itself back.
 */
export class SelfUpdate {
  private busy = false;
  private saidFromSource = false;
  /** Downloaded and checked: `start` tries it once the agent has handed over. */
  private staged: { version: string; files: ExecutableFiles } | null = null;

  constructor(private readonly o: SelfUpdateOptions) {}

  /** What goes with `client-connected` as `agent_update`: the last failure, until an update succeeds. */
  lastFailure(): AgentUpdateStatus | undefined {
    const record = readUpdateRecord(this.o.dataDir);
    return record?.state === 'failed' ? { state: 'failed', version: record.version, reason: record.reason, at: record.at } : undefined;
  }

  /** `client-connected` was acknowledged: a new build on trial says so to the old one; a build that made it is kept. */
  connected() {
    const record = readUpdateRecord(this.o.dataDir);
    if (record?.state !== 'trying' || record.version !== AGENT_VERSION) return;
    if (this.o.trial === AGENT_VERSION) writeUpdateRecord(this.o.dataDir, { ...record, connected_pid: process.pid });
    // Started otherwise (the old one died during the trial, or a service restarted this one): the update made it.
    else writeUpdateRecord(this.o.dataDir, null);
  }

  async offered(offer: AgentUpdateOffer): Promise<void> {
    if (offer.version === AGENT_VERSION || offer.platform !== AGENT_PLATFORM || this.busy) return;
    if (!this.o.executable) {
      if (!this.saidFromSource) this.o.log(`the server has agent ${offer.version}, but this agent runs from source (node/tsx): it does not update itself`);
      this.saidFromSource = true;
      return;
    }
    const record = readUpdateRecord(this.o.dataDir);
    if (record?.state === 'failed' && record.version === offer.version) return;
    this.busy = true;
    const files = executableFiles(this.o.executable);
    this.o.report({ state: 'updating', version: offer.version });
    this.o.log(`updating to ${offer.version}: downloading ${offer.url} (${(offer.size / 1e6).toFixed(1)} MB)`);
    try {
      await downloadBuild(this.o.server, offer, files);
    } catch (err) {
      this.busy = false;
      // A refused build is not tried again; a download that failed otherwise is, on the next offer.
      if (err instanceof DownloadRefused) this.fail(offer.version, `download refused: ${err.message}`);
      else this.reportFailure(offer.version, `download failed: ${(err as Error).message}`);
      return;
    }
    this.o.log(`update to ${offer.version}: sha256 checked; handing over to it`);
    this.staged = { version: offer.version, files };
    await this.o.handOver();
  }

  /**
   * After the agent handed over (its `done` resolved): swaps the new build in, tries it, and leaves either it or the
   * old one running. Returns this process's exit code; null when no update was staged.
   */
  async finish(): Promise<number | null> {
    if (!this.staged) return null;
    const { version, files } = this.staged;
    try {
      swapIn(files);
    } catch (err) {
      fs.rmSync(files.download, { force: true });
      this.fail(version, `the new executable could not take the old one's place: ${(err as Error).message}`);
      return this.startAgain();
    }
    writeUpdateRecord(this.o.dataDir, { state: 'trying', version, from: AGENT_VERSION });
    const child = this.start({ VAAHSHARE_UPDATE_TRIAL: version });
    const failure = await this.trial(child, version);
    if (!failure) {
      writeUpdateRecord(this.o.dataDir, null);
      this.o.log(`updated to ${version}: the new agent (pid ${child.pid}) is connected; the old one stays as ${files.previous}`);
      return this.handOff(child);
    }
    if (child.exitCode === null) child.kill('SIGKILL');
    rollBack(files);
    this.fail(version, failure);
    this.o.log(`rolled back to ${AGENT_VERSION}: starting it again`);
    return this.startAgain();
  }

  /** This build runs on in a new process: through the service manager, or detached. */
  private startAgain(): number {
    if (this.o.service) return EXIT_RESTART;
    this.start({}).unref();
    return 0;
  }

  /** A failed update, remembered (not tried again, reported with every `client-connected`) and reported now. */
  private fail(version: string, reason: string) {
    writeUpdateRecord(this.o.dataDir, { state: 'failed', version, reason, at: this.reportFailure(version, reason) });
  }

  private reportFailure(version: string, reason: string): string {
    const at = new Date().toISOString();
    this.o.log(`update to ${version} failed: ${reason}`);
    this.o.report({ state: 'failed', version, reason, at });
    return at;
  }

  /** The executable now in place, with this process's arguments; detached unless a service manager will restart it. */
  private start(env: Record<string, string>): ChildProcess {
    const child = spawn(this.o.executable!, this.o.args, {
      detached: !this.o.service,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, VAAHSHARE_UPDATE_TRIAL: undefined, ...env },
      windowsHide: true,
    });
    child.on('error', (err) => this.o.log(`starting ${this.o.executable} failed: ${err.message}`));
    return child;
  }

  /** Resolves with why the new build failed its trial, or null once it said it connected. */
  private trial(child: ChildProcess, version: string): Promise<string | null> {
    const seconds = Math.round(this.o.trialMs / 1000);
    return new Promise((resolve) => {
      const done = (why: string | null) => {
        clearInterval(poll);
        clearTimeout(limit);
        child.off('exit', onExit);
        resolve(why);
      };
      const onExit = (code: number | null, signal: string | null) => done(`the new agent exited (${signal ?? `code ${code}`}) before it connected`);
      child.once('exit', onExit);
      const poll = setInterval(() => {
        const record = readUpdateRecord(this.o.dataDir);
        if (record?.state === 'trying' && record.version === version && record.connected_pid === child.pid) done(null);
      }, 200);
      const limit = setTimeout(() => done(`the new agent did not connect within ${seconds} s`), this.o.trialMs);
    });
  }

  /**
   * The new build runs on. Without a service manager it is already detached: this process leaves. Under one (which
   * kills what the service started when its main process exits), the new build's trial run stops and the service
   * starts it again as its main process.
   */
  private async handOff(child: ChildProcess): Promise<number> {
    if (!this.o.service) {
      child.unref();
      return 0;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    return EXIT_RESTART;
  }
}
