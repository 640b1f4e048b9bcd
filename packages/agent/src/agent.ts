import fs from 'node:fs';
import { agentUpdateOfferSchema, settingsSchema, viewersSchema, type AgentUpdateStatus, type MachineInfo, type Settings as CompanySettings } from '@vaahshare/protocol';
import type { CaptureTools } from './capture/capture.js';
import { EncodeModeState } from './capture/encode-mode.js';
import type { CaptureOptions } from './capture/capture-args.js';
import { openConnection } from './connection.js';
import { SendTracker } from './gui/send-tracker.js';
import type { ActionResult, GuiView, SegmentView } from './gui/view.js';
import { IdleWatcher, type IdlePeriod, type IdleTools } from './idle.js';
import { HoursWatch } from './monitoring-hours.js';
import { CatchUpProgress } from './progress.js';
import { finishRecording, noRecording, startRecording, type Recording } from './recording.js';
import { SegmentRefused, SegmentUploader } from './shared/segment-uploader.js';
import { emitAndWait, socketTransport, type AgentSocket } from './shared/socket-transport.js';
import { AlertSpool, type SpooledAlert } from './spool/alert-spool.js';
import { DeviceSecretStore } from './spool/device-secret.js';
import { FileSource } from './spool/file-source.js';
import { loadLastSettings, saveLastSettings } from './spool/last-settings.js';
import { uploadPending } from './spool/offline-uploads.js';
import type { LocalSegment, Spool } from './spool/spool.js';
import type { SelfUpdate } from './update/self-update.js';
import { writeStatus, type AgentStatus } from './status.js';

/** How long after a failed upload of local recordings it is tried again while connected. */
const UPLOAD_RETRY_MS = 30_000;

export interface AgentOptions {
  server: string;
  token: string;
  machine: MachineInfo;
  capture: CaptureOptions;
  tools: CaptureTools & IdleTools;
  spool: Spool;
  /** A new segment starts this often (0: one segment per run), so recordings appear and local files stay bounded. */
  segmentMs: number;
  log: (line: string) => void;
  /** The agent's self-update, when it has one (PROTOCOL.md §8.14). */
  selfUpdate?: Pick<SelfUpdate, 'offered' | 'connected' | 'lastFailure'>;
}

/** How long a quit waits for the rest of the segment to reach the server before leaving it for the next start. */
const QUIT_SEND_MS = 15_000;
const APP_CLOSED_ACK_MS = 2000;
const ALERT_ACK_MS = 5000;

/**
 * `vaahshare-agent start`: captures the screen into local segments at once and for as long as it
 * runs, and streams them to the server whenever it is connected (resuming after every cut).
 */
export class Agent {
  /** Resolves with the exit code once the agent stopped. */
  readonly done: Promise<number>;
  private finish!: (code: number) => void;
  private current: Recording;
  private readonly leftovers = new Map<string, { segment: LocalSegment; source: FileSource }>();
  private readonly uploaders = new Map<string, SegmentUploader>();
  private readonly socket: AgentSocket;
  private readonly idle: IdleWatcher;
  private readonly alerts: AlertSpool;
  private readonly deviceSecret: DeviceSecretStore;
  private sendingAlerts = false;
  private readonly progress: CatchUpProgress;
  private readonly statusTimer: NodeJS.Timeout;
  private readonly rotateTimer: NodeJS.Timeout | null;
  /** Bumped by every connect and drop: a streaming loop of an older connection stops. */
  private generation = 0;
  private pumping: Promise<void> = Promise.resolve();
  private uploading = false;
  private everConnected = false;
  private unreachableAtStart = false;
  private quitting = false;
  private state: AgentStatus['state'] = 'connecting';
  private stateSince = new Date();
  private readonly startedAt = new Date().toISOString();
  /** What the agent's window shows besides the state. */
  private company: string | null = null;
  private viewers: string[] = [];
  private idleNow: GuiView['idle'] = null;
  private companySettings: CompanySettings | null = null;
  /** A pause the person asked for: no capture until it ends. */
  private paused: { until: number; reason: string; timer: NodeJS.Timeout } | null = null;
  /** The desktop's monitoring hours: outside them nothing is captured (PROTOCOL.md §8.24). */
  private readonly hours: HoursWatch;
  /** Nothing more of the current recording goes out by streaming (it ended for a pause and was sent, or goes as an upload). */
  private currentSent = false;
  private readonly sends = new SendTracker();
  private readonly changeListeners = new Set<() => void>();
  /** The company's preset and whether someone watches: a change starts a new recording encoded for it. */
  private readonly encode: EncodeModeState;
  /** Segments left by an earlier run: how much of each the server holds is known only once it is resumed. */
  private readonly earlierRuns = new Set<string>();
  /** The port of the agent's window, once it listens (for `vaahshare-agent open`). */
  guiPort: number | null = null;

  constructor(private readonly o: AgentOptions) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    const lastSettings = loadLastSettings(o.spool.dir);
    this.encode = new EncodeModeState(lastSettings?.quality_preset, (_mode, why) => void this.reencode(why));
    for (const segment of o.spool.list().filter((s) => s.mode === 'live')) {
      const source = new FileSource(segment.file);
      source.finish();
      this.leftovers.set(segment.id, { segment, source });
      this.earlierRuns.add(segment.id);
    }
    this.hours = new HoursWatch(o.spool.dir, (inside) => void this.onHours(inside));
    this.current = this.hours.inside ? this.record() : this.nothingRecorded();
    this.progress = new CatchUpProgress(o.log, (catchingUp) => this.setState(catchingUp ? 'catching-up' : 'live'));
    this.alerts = new AlertSpool(o.spool.dir);
    this.deviceSecret = new DeviceSecretStore(o.spool.dir, o.server);
    this.idle = new IdleWatcher(
      o.tools,
      o.capture.display,
      { idle: (period, message) => this.onIdle(period, message), back: (period, away) => this.onBack(period, away) },
      o.log,
    );
    this.idle.suspended = !this.hours.inside;
    const machine = () => {
      const failure = o.selfUpdate?.lastFailure();
      return failure ? { ...o.machine, agent_update: failure } : o.machine;
    };
    this.socket = openConnection(o.server, o.token, machine, this.deviceSecret, {
      ready: (_socket, company) => {
        this.company = company;
        this.onReady();
      },
      lost: (reason) => this.onLost(reason),
      unreachable: (reason) => this.onUnreachable(reason),
      deferred: (message) => o.log(message),
      fatal: (message) => void this.fail(message),
    });
    if (lastSettings) this.idle.configure(lastSettings);
    this.socket.on('settings', (payload) => {
      const parsed = settingsSchema.safeParse(payload);
      if (!parsed.success) return;
      this.companySettings = parsed.data;
      this.idle.configure(parsed.data);
      saveLastSettings(o.spool.dir, parsed.data);
      if (parsed.data.quality_preset) this.encode.setPreset(parsed.data.quality_preset);
      this.changed();
    });
    this.socket.on('connect-stream', () => this.encode.watched());
    this.socket.on('disconnect-stream', () => this.encode.unwatched());
    this.socket.on('monitoring-hours', (payload) => this.hours.received(payload));
    this.socket.on('viewers', (payload) => {
      const parsed = viewersSchema.safeParse(payload);
      if (!parsed.success) return;
      this.viewers = parsed.data.names;
      this.changed();
    });
    this.socket.on('agent-update', (payload) => {
      const parsed = agentUpdateOfferSchema.safeParse(payload);
      if (parsed.success) o.selfUpdate?.offered(parsed.data).catch((err: Error) => o.log(`self-update failed: ${err.message}`));
    });
    this.socket.on('video-processed', ({ media }) => o.log(`the server finished recording ${media.original_name}`));
    this.statusTimer = setInterval(() => this.writeStatus(), 1000);
    this.rotateTimer = o.segmentMs > 0 ? setInterval(() => void this.rotate((old) => this.keepRotated(old)), o.segmentMs) : null;
    this.writeStatus();
  }

  /** Clean quit (Ctrl-C, SIGTERM, `stop`): finish the segment, send it, `stop-streaming`, `app-closed`, disconnect. */
  async quit(): Promise<void> {
    if (!(await this.stopCapture())) return;
    if (this.socket.connected) await Promise.race([this.pumping, new Promise((r) => setTimeout(r, QUIT_SEND_MS))]);
    if (await emitAndWait(this.socket, 'app-closed', APP_CLOSED_ACK_MS)) this.o.log('told the server this desktop is closing');
    this.close(0);
  }

  /**
   * Another process takes over (a self-update): the capture stops and the connection drops, but the recording is
   * not closed (no `stop-streaming`, no `app-closed`): the server keeps its segment open, and the process that
   * comes next sends what the spool still holds, from the offset the server has.
   */
  async handOver(): Promise<void> {
    if (await this.stopCapture()) this.close(0);
  }

  /** The first step of leaving: no more capture, idle watch or rotation. False when the agent is already leaving. */
  private async stopCapture(): Promise<boolean> {
    if (this.quitting) return false;
    this.quitting = true;
    this.setState('stopping');
    this.idle.stop();
    if (this.rotateTimer) clearInterval(this.rotateTimer);
    await finishRecording(this.current);
    return true;
  }

  /** Tells the server where the self-update stands; lost when not connected (a failure goes with the next `client-connected`). */
  reportUpdate(status: AgentUpdateStatus) {
    if (this.socket.connected) this.socket.timeout(5000).emit('agent-update-status', status, () => undefined);
  }

  private record(): Recording {
    this.currentSent = false;
    const mode = this.encode.current;
    const recording = startRecording(this.o.spool, 'live', this.o.capture, mode, this.o.tools);
    void recording.capture.exited.then(({ code, stderr }) => this.onCaptureExit(recording, code, stderr));
    const how = `quality "${mode.preset}"${mode.watched ? ', live view' : ''}`;
    this.o.log(`capturing ${this.o.capture.source === 'test' ? 'a test picture' : 'the screen'} into ${recording.segment.file} (${how})`);
    return recording;
  }

  private onCaptureExit(recording: Recording, code: number | null, stderr: string) {
    if (recording.capture.stopRequested || this.quitting) return;
    recording.source.finish();
    if (recording.source.size() === 0) {
      void this.fail(`ffmpeg could not capture (exit ${code}): ${stderr || 'no output'}`);
      return;
    }
    // A capture that ended by itself (display gone, ffmpeg crashed) is sent as it is; a new one starts.
    this.o.log(`ffmpeg stopped unexpectedly (exit ${code}: ${stderr}); starting a new segment`);
    this.leftovers.set(recording.segment.id, { segment: recording.segment, source: recording.source });
    if (recording === this.current) this.current = this.record();
  }

  private onReady() {
    this.generation++;
    this.o.log(this.everConnected ? 'reconnected' : `connected to ${this.o.server} as ${this.o.machine.user_host}`);
    const first = !this.everConnected;
    this.everConnected = true;
    this.setState('live');
    this.o.selfUpdate?.connected();
    const gen = this.generation;
    this.pumping = this.pumping
      .then(async () => {
        // What was recorded before the server was ever reachable goes up as an upload; live starts afresh.
        if (first && this.unreachableAtStart) await this.rotate((old) => this.o.spool.toUpload(old.segment));
        void this.uploadLeftovers();
        void this.sendAlerts();
        await this.pump(gen);
      })
      .catch((err: Error) => this.o.log(`streaming stopped: ${err.message}`));
  }

  private onLost(reason: string) {
    this.generation++;
    this.encode.unwatched();
    this.progress.end(false);
    this.viewers = [];
    const inFlight = this.leftovers.values().next().value?.segment ?? this.current.segment;
    this.sends.failed(inFlight.id, `connection lost (${reason})`);
    if (!this.quitting) this.o.log(`connection lost (${reason}); capture goes on locally, reconnecting…`);
    this.setState('offline');
  }

  private onUnreachable(reason: string) {
    if (!this.everConnected && !this.unreachableAtStart) {
      this.unreachableAtStart = true;
      this.o.log(`server unreachable (${reason}); recording locally until it is reachable`);
    }
    this.setState(this.everConnected ? 'offline' : 'connecting');
  }

  /** Streams segments in order (leftovers of earlier runs, then the current one) while this connection lasts. */
  private async pump(gen: number) {
    const transport = socketTransport(this.socket);
    while (gen === this.generation) {
      const leftover = this.leftovers.values().next().value;
      if (!leftover && this.currentSent) return;
      const segment = leftover?.segment ?? this.current.segment;
      const uploader = this.uploaderOf(segment, leftover?.source ?? this.current.source);
      try {
        if ((await uploader.run(transport, () => gen !== this.generation)) === 'cancelled') return;
        await this.sent(segment);
        // The current segment is done only when the agent quits; a rotated one is followed by the next.
        if (segment === this.current.segment) return;
      } catch (err) {
        if (err instanceof SegmentRefused) {
          await this.keepForUpload(segment, err.message);
          continue;
        }
        // A send cut short by a lost connection already says why (onLost): "socket has been disconnected" adds nothing.
        if (gen === this.generation) this.sends.failed(segment.id, (err as Error).message);
        if (gen === this.generation && this.socket.connected) {
          this.o.log(`streaming failed (${(err as Error).message}); reconnecting`);
          this.socket.io.engine?.close();
        }
        return;
      }
    }
  }

  private uploaderOf(segment: LocalSegment, source: FileSource): SegmentUploader {
    let uploader = this.uploaders.get(segment.id);
    if (!uploader) {
      uploader = new SegmentUploader(
        segment.id,
        segment.started_at,
        source,
        ({ acked }) => {
          this.sends.progress(segment.id, acked);
          this.progress.update(this.streamBacklog());
        },
        (held) => this.o.log(held ? 'the server is short of disk space: the recording stays here and is sent once it has room' : 'the server has room again: sending the recording'),
      );
      this.uploaders.set(segment.id, uploader);
    }
    return uploader;
  }

  /**
   * What is captured and not yet on the server, of every recording going out by streaming. A cut may span a new
   * recording (the live view ending, a rotation): the catch-up is of all of it, not of the newest recording only.
   * A segment of an earlier run counts once it is resumed; before, how much of it the server holds is not known.
   */
  private streamBacklog(): number {
    const streamed = [...this.leftovers.values(), ...(this.currentSent ? [] : [this.current])];
    return streamed.reduce((sum, { segment, source }) => {
      const uploader = this.uploaders.get(segment.id);
      if (!uploader && this.earlierRuns.has(segment.id)) return sum;
      return sum + source.size() - (uploader?.acked ?? 0);
    }, 0);
  }

  /** The server holds all of it: the local copy can go. */
  private async sent(segment: LocalSegment) {
    // Found before the segment leaves `leftovers`.
    const source = this.leftoverSource(segment);
    if (segment === this.current.segment) this.currentSent = true;
    this.leftovers.delete(segment.id);
    this.uploaders.delete(segment.id);
    this.sends.forget(segment.id);
    // Closed before removed: an open handle keeps a deleted file's disk space (and on Windows its name).
    await source?.close();
    this.o.spool.remove(segment);
  }

  private leftoverSource(segment: LocalSegment) {
    return this.leftovers.get(segment.id)?.source ?? (segment === this.current.segment ? this.current.source : null);
  }

  /**
   * The server finalized this segment before its end (the grace period ran out during a long cut):
   * the whole file is uploaded under another name, so nothing captured is lost.
   */
  private async keepForUpload(segment: LocalSegment, why: string) {
    this.o.log(`the server no longer takes segment ${segment.id} (${why}); it will be uploaded whole`);
    // The offline uploader reads the file under its new name: this segment's source is closed.
    if (segment === this.current.segment && !this.holding) {
      await this.rotate((old) => {
        void old.source.close();
        this.o.spool.toUpload(old.segment, `${old.segment.id}-full`);
      });
    } else {
      void this.leftoverSource(segment)?.close();
      this.o.spool.toUpload(segment, `${segment.id}-full`);
      this.leftovers.delete(segment.id);
      // Paused or outside hours: the recording already ended; no new one starts before that ends.
      if (segment === this.current.segment) this.currentSent = true;
    }
    this.uploaders.delete(segment.id);
    void this.uploadLeftovers();
  }

  /** Starts a new segment, then ends the old one (a short overlap rather than a gap). */
  private async rotate(keep: (old: Recording) => void) {
    if (this.quitting || this.holding) return;
    const old = this.current;
    this.current = this.record();
    await finishRecording(old);
    keep(old);
  }

  /** A rotated-out segment is sent next. */
  private keepRotated(old: Recording) {
    this.leftovers.set(old.segment.id, old);
  }

  /** The encoding changed (preset, someone watches): a new recording starts with it (ffmpeg cannot switch on the fly). */
  private async reencode(why: string) {
    // Paused or outside monitoring hours: nothing is captured; the next recording starts with the new encoding.
    if (this.holding) return;
    this.o.log(`${why}: a new recording starts, encoded for it`);
    // A recording ffmpeg has not written to yet would end empty (a segment the server only deletes): it gets its first bytes first.
    const current = this.current;
    while (current.source.size() === 0 && !current.source.finished()) await current.source.changed();
    // Another recording started meanwhile (rotation, pause): it already encodes as asked.
    if (current === this.current) await this.rotate((old) => this.keepRotated(old));
  }

  private async uploadLeftovers() {
    if (this.uploading) return;
    this.uploading = true;
    try {
      const busy = [this.current.segment.id, ...this.leftovers.keys()];
      const target = { server: this.o.server, token: this.o.token, userHost: this.o.machine.user_host, deviceSecret: () => this.deviceSecret.load() };
      await uploadPending(target, this.o.spool, busy, this.o.log);
    } catch (err) {
      for (const s of this.o.spool.list([this.current.segment.id]).filter((s) => s.mode === 'upload')) this.sends.failed(s.id, (err as Error).message);
      // A server short of disk space (507) or briefly failing gets them later on this connection too.
      const retry = setTimeout(() => this.socket.connected && void this.uploadLeftovers(), UPLOAD_RETRY_MS);
      retry.unref?.();
      this.o.log(`uploading local recordings failed (${(err as Error).message}); will retry in ${UPLOAD_RETRY_MS / 1000} s or after the next reconnect`);
    } finally {
      this.uploading = false;
    }
  }

  private onIdle(period: IdlePeriod, message: string) {
    // Spooled before it is said: whoever reads the line (a person, a test) finds the alert on disk.
    this.alerts.put(idleAlert(period));
    this.o.log(`idle for ${period.idleSeconds} s: ${message}${this.socket.connected ? '' : ' (the alert is sent once the server is reachable)'}`);
    this.showIdle({ message, since: new Date(period.since).toISOString() });
    void this.sendAlerts();
  }

  private onBack(period: IdlePeriod, awaySeconds: number) {
    this.o.log(`back after ${awaySeconds} s away`);
    // The window closes its idle dialog.
    this.showIdle(null);
    this.alerts.put({ ...idleAlert(period), away_seconds: awaySeconds });
    void this.sendAlerts();
  }

  /** Sends the spooled alerts in order while connected; each leaves the spool once the server acknowledged it. */
  private async sendAlerts() {
    if (this.sendingAlerts) return;
    this.sendingAlerts = true;
    try {
      for (let alert = this.alerts.list()[0]; alert && this.socket.connected; alert = this.alerts.list()[0]) {
        const reply = await this.socket.timeout(ALERT_ACK_MS).emitWithAck('alert', alert);
        // Over the connection's rate (docs/PROTOCOL.md §8.18): the alert stays spooled and goes again.
        if (!reply.ok && reply.error === 'rate_limited') {
          await new Promise((resolve) => setTimeout(resolve, reply.retry_after_ms ?? 1000));
          continue;
        }
        // Any other refusal cannot get better by sending the same alert again.
        if (!reply.ok) this.o.log(`the server refused an idle alert: ${reply.message}`);
        this.alerts.remove(alert);
      }
    } catch {
      // No ack in time: the connection is going; the next connect sends the rest.
    } finally {
      this.sendingAlerts = false;
    }
  }

  private async fail(message: string) {
    this.o.log(`error: ${message}`);
    if (this.quitting) return;
    this.quitting = true;
    await finishRecording(this.current);
    this.close(1);
  }

  private close(code: number) {
    clearInterval(this.statusTimer);
    this.encode.stop();
    this.hours.stop();
    if (this.paused) clearTimeout(this.paused.timer);
    if (this.rotateTimer) clearInterval(this.rotateTimer);
    this.socket.disconnect();
    const pending = this.o.spool.list();
    if (pending.length) this.o.log(`${pending.length} recording(s) not yet on the server stay in ${this.o.spool.dir}: the next start sends them`);
    this.setState('stopped');
    this.finish(code);
  }

  private setState(state: AgentStatus['state']) {
    if (this.state === 'stopping' && state !== 'stopped') return;
    if (state !== this.state) this.stateSince = new Date();
    this.state = state;
    this.writeStatus();
    this.changed();
  }

  private pendingBytes(): number {
    const current = this.currentSent ? 0 : this.current.source.size() - (this.uploaders.get(this.current.segment.id)?.acked ?? 0);
    const others = this.o.spool.list([this.current.segment.id]).reduce((sum, s) => sum + fileSize(s.file), 0);
    return current + others;
  }

  private writeStatus() {
    writeStatus(this.o.spool.dir, {
      pid: process.pid,
      user_host: this.o.machine.user_host,
      server: this.o.server,
      state: this.state,
      segment: this.current?.segment.id ?? null,
      pending_bytes: this.pendingBytes(),
      started_at: this.startedAt,
      gui_port: this.guiPort,
    });
  }

  /** Calls `listener` when the window should update at once; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed() {
    for (const listener of this.changeListeners) listener();
  }

  private showIdle(idle: GuiView['idle']) {
    this.idleNow = idle;
    this.changed();
  }

  /** The agent's part of what its window shows. */
  view(): Omit<GuiView, 'settings' | 'start_at_login'> {
    // The spool drops a segment with no byte yet: the one being captured is left out of its listing.
    const spooled = this.o.spool.list([this.current.segment.id]);
    if (!this.currentSent) spooled.push(this.current.segment);
    const segments: SegmentView[] = spooled.map((s) => ({
      id: s.id,
      mode: s.mode,
      current: s.id === this.current.segment.id,
      started_at: new Date(s.started_at).toISOString(),
      size: fileSize(s.file),
      ...this.sends.report(s.id),
    }));
    return {
      user_host: this.o.machine.user_host,
      server: this.o.server,
      company: this.company,
      state: this.state === 'recording' ? 'live' : this.state,
      since: this.stateSince.toISOString(),
      pending_bytes: this.pendingBytes(),
      recording: this.quitting || this.holding ? null : { id: this.current.segment.id, started_at: new Date(this.current.segment.started_at).toISOString() },
      viewers: this.viewers,
      segments,
      idle: this.idleNow,
      outside_hours: this.hours.inside ? null : { until: this.hours.until },
      pause: this.paused && { until: new Date(this.paused.until).toISOString(), reason: this.paused.reason },
      pause_policy: this.companySettings && { allowed: Boolean(this.companySettings.pause_allowed), max_minutes: this.companySettings.pause_max_minutes ?? 0 },
    };
  }

  /**
   * The person pauses the recording for `minutes` (PROTOCOL.md §8.9): the server checks the company's policy
   * and records the pause; the agent ends the recording (the rest is sent, then `stop-streaming`: connected,
   * not streaming) and starts a new one when the pause ends or the person resumes.
   */
  async pause(minutes: number, reason: string): Promise<ActionResult> {
    if (this.quitting) return { ok: false, message: 'The agent is stopping' };
    if (!this.socket.connected) return { ok: false, message: 'A pause needs the server, which is out of reach now: try again once connected' };
    const reply = await this.socket.timeout(10_000).emitWithAck('pause', { minutes, reason }).catch(() => null);
    if (!reply) return { ok: false, message: 'The server did not answer: try again' };
    if (!reply.ok) return { ok: false, message: reply.message };
    if (this.paused) clearTimeout(this.paused.timer);
    this.paused = { until: Date.now() + minutes * 60_000, reason, timer: setTimeout(() => void this.resume(), minutes * 60_000) };
    this.o.log(`recording paused for ${minutes} min: ${reason}`);
    this.changed();
    if (!this.current.capture.stopRequested) await finishRecording(this.current);
    return { ok: true, message: `Recording paused for ${minutes} min` };
  }

  /** The pause ends (on time, or early when the person resumes): a new recording starts. */
  async resume(): Promise<ActionResult> {
    if (!this.paused) return { ok: false, message: 'The recording is not paused' };
    clearTimeout(this.paused.timer);
    this.paused = null;
    if (this.quitting) return { ok: true, message: 'The agent is stopping' };
    if (this.socket.connected) this.socket.timeout(5000).emit('resume', {}, () => undefined);
    if (!this.hours.inside) {
      this.o.log('the pause ended outside monitoring hours: nothing is recorded until they start');
      this.changed();
      return { ok: true, message: 'The pause ended; outside monitoring hours nothing is recorded' };
    }
    this.o.log('recording again after the pause');
    this.recordAgain();
    return { ok: true, message: 'Recording again' };
  }

  /** Not recording now: a pause the person asked for, or outside the monitoring hours. */
  private get holding() {
    return this.paused !== null || !this.hours.inside;
  }

  /** A new recording after a pause or outside hours, streamed at once when connected. */
  private recordAgain() {
    // The one that ended is not all on the server yet (it ended offline): it goes first, then the new one.
    if (!this.currentSent) this.leftovers.set(this.current.segment.id, { segment: this.current.segment, source: this.current.source });
    this.current = this.record();
    const gen = this.generation;
    if (this.socket.connected) this.pumping = this.pumping.then(() => this.pump(gen)).catch((err: Error) => this.o.log(`streaming stopped: ${err.message}`));
    this.changed();
  }

  /** The agent started outside its hours: nothing is captured, and nothing is there to send. */
  private nothingRecorded(): Recording {
    this.o.log(`outside monitoring hours: not recording${this.hours.until ? ` until ${this.hours.until}` : ''}`);
    this.currentSent = true;
    return noRecording(this.o.spool);
  }

  /**
   * A monitoring-hours boundary (told by the server, or reached by the agent's own timer while offline): outside,
   * the recording ends and is sent as after a pause, idle alerts stop, and the connection stays; inside, a new
   * recording starts unless the person paused.
   */
  private async onHours(inside: boolean) {
    if (this.quitting) return;
    this.idle.suspended = !inside;
    if (!inside) {
      this.o.log(`outside monitoring hours: not recording${this.hours.until ? ` until ${this.hours.until}` : ''}`);
      this.changed();
      if (!this.current.capture.stopRequested) await finishRecording(this.current);
      return;
    }
    this.o.log('inside monitoring hours: recording');
    if (!this.paused) this.recordAgain();
    else this.changed();
  }
}

/**
 * The alert of an idle period, named by when the user went idle: one period is one alert, however often it is sent,
 * even by an agent restarted meanwhile (it reads the same last input, give or take a poll; periods start ≥ 10 s apart).
 */
function idleAlert(period: IdlePeriod): SpooledAlert {
  return { type: 'idle', alert_id: `idle-${Math.round(period.since / 5000)}`, idle_seconds: period.idleSeconds, occurred_at: new Date(period.at).toISOString() };
}

function fileSize(file: string) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
