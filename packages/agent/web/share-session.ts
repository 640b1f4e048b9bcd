import { io } from 'socket.io-client';
import { SegmentRefused, SegmentUploader } from '../src/shared/segment-uploader.js';
import { socketTransport, type AgentSocket } from '../src/shared/socket-transport.js';
import { MemorySource } from './memory-source.js';
import { RECORDER } from './recorder-options.js';

export type ShareState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface ShareEvents {
  state(state: ShareState, detail: string): void;
  error(message: string): void;
}

/** MediaRecorder emits a chunk this often: the live delay a viewer sees is about this much. */
const TIMESLICE_MS = 250;

const REFUSALS: Record<string, string> = {
  token_required: 'Enter the enrollment token your admin gave you.',
  invalid_token: 'The server does not know this enrollment token (or it was revoked): check it with your admin.',
};

/**
 * Asks the server whether it takes this token, with the same handshake a share opens, before the person
 * is asked to pick a screen: a wrong token is said at once instead of after the picker. Null when it is taken.
 */
export function checkToken(token: string): Promise<string | null> {
  if (!token) return Promise.resolve(REFUSALS.token_required!);
  const probe: AgentSocket = io(location.origin, { transports: ['websocket'], query: { app: 'agent' }, auth: { token }, reconnection: false });
  return new Promise<string | null>((resolve) => {
    probe.once('connect', () => resolve(null));
    probe.once('connect_error', (err: Error & { data?: { error?: string } }) => {
      const refusal = err.data?.error && REFUSALS[err.data.error];
      resolve(refusal || `The server cannot be reached (${err.message}): check your connection and try again.`);
    });
  }).finally(() => probe.disconnect());
}

function pickMimeType(): string {
  return RECORDER.mimeTypes.find((t) => MediaRecorder.isTypeSupported(t)) ?? '';
}

/**
 * One screen share: the display stream is recorded with MediaRecorder and streamed to the server over
 * the agents' protocol (`client-connected`, `start-streaming`, `video-frame` with offsets and acks).
 * A dropped connection keeps recording in memory and resumes the segment after the reconnect.
 */
export class ShareSession {
  private readonly socket: AgentSocket;
  private readonly recorder: MediaRecorder;
  private readonly source = new MemorySource();
  private readonly uploader: SegmentUploader;
  private generation = 0;
  private pumping: Promise<void> = Promise.resolve();
  private chunks: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly stream: MediaStream,
    token: string,
    private readonly userHost: string,
    private readonly events: ShareEvents,
  ) {
    const mimeType = pickMimeType();
    const { videoBitsPerSecond, videoKeyFrameIntervalDuration } = RECORDER;
    this.recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond, videoKeyFrameIntervalDuration } as MediaRecorderOptions);
    // Blob reads are asynchronous and may finish out of order: chain them so bytes keep their order.
    this.recorder.ondataavailable = (e) => {
      this.chunks = this.chunks.then(async () => this.source.push(new Uint8Array(await e.data.arrayBuffer())));
    };
    this.recorder.onstop = () => {
      this.chunks = this.chunks.then(() => this.source.finish());
    };
    const segmentId = `${Date.now()}-web${Math.random().toString(36).slice(2, 8)}`;
    this.uploader = new SegmentUploader(segmentId, Date.now(), this.source, ({ acked }) => this.report(acked));
    // The user may end the share from the browser's own "Stop sharing" bar.
    stream.getVideoTracks()[0]?.addEventListener('ended', () => void this.stop());
    this.socket = io(location.origin, {
      transports: ['websocket'],
      query: { app: 'agent' },
      auth: { token },
      reconnectionDelayMax: 10_000,
      randomizationFactor: 0.5,
    });
    this.listen();
  }

  private listen() {
    this.socket.on('connect', async () => {
      const machine = this.machineInfo();
      // The secret this browser got when the name first shared from it (PROTOCOL.md §2): only it may share as that name.
      const secretKey = `vaahshare.device-secret.${machine.user_host}`;
      const device_secret = localStorage.getItem(secretKey) ?? undefined;
      const reply = await this.socket.timeout(10_000).emitWithAck('client-connected', { machine_info: machine, ...(device_secret && { device_secret }) }).catch(() => null);
      if (reply && !reply.ok && reply.error.startsWith('device_')) {
        this.events.error(`Another device already shares as “${machine.user_host}”: use another name, or ask your admin to reset it. (${reply.message})`);
        return void this.stop();
      }
      if (!reply?.ok) return this.events.error(reply ? reply.message : 'The server did not answer: retrying…');
      if (reply.device_secret) localStorage.setItem(secretKey, reply.device_secret);
      if (this.recorder.state === 'inactive' && !this.stopped) this.recorder.start(TIMESLICE_MS);
      const gen = ++this.generation;
      this.pumping = this.pumping.then(() => this.pump(gen));
    });
    this.socket.on('disconnect', () => {
      this.generation++;
      this.socket.sendBuffer = [];
      if (!this.stopped) this.events.state('reconnecting', 'the connection dropped: still recording, reconnecting…');
    });
    this.socket.on('connect_error', (err: Error & { data?: { error?: string } }) => {
      const fatal = err.data?.error && REFUSALS[err.data.error];
      if (fatal) {
        this.events.error(fatal);
        void this.stop();
      } else {
        this.events.state(this.generation ? 'reconnecting' : 'connecting', `cannot reach the server (${err.message}); retrying…`);
      }
    });
  }

  private machineInfo() {
    // A bare name ("Jane Doe") becomes the identity `Jane Doe@browser` (PROTOCOL.md §8.10).
    const [username, hostname = 'browser'] = this.userHost.split('@');
    return { user_host: `${username}@${hostname}`, username, hostname, platform: 'browser', operatingSystem: navigator.userAgent.slice(0, 255) };
  }

  private async pump(gen: number) {
    try {
      await this.uploader.run(socketTransport(this.socket), () => gen !== this.generation);
    } catch (err) {
      if (err instanceof SegmentRefused) {
        this.events.error(`The server stopped taking this recording (${err.message}). Share again to start a new one.`);
        await this.stop();
      } else if (gen === this.generation && this.socket.connected) {
        this.socket.io.engine?.close();
      }
    }
  }

  private report(acked: number) {
    if (this.stopped) return;
    const waiting = this.source.pending(acked);
    this.events.state('live', waiting > 256 * 1024 ? `sending ${(waiting / 1e6).toFixed(1)} MB recorded while offline…` : 'your screen is live');
  }

  /** Stops sharing: the last chunk is sent, then `stop-streaming` and `app-closed`, then the socket closes. */
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.stream.getTracks().forEach((t) => t.stop());
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    else this.source.finish();
    if (this.socket.connected) {
      await Promise.race([this.pumping, new Promise((r) => setTimeout(r, 5000))]);
      await this.socket.timeout(2000).emitWithAck('app-closed').catch(() => undefined);
    }
    this.socket.disconnect();
    this.events.state('stopped', 'sharing stopped');
  }

  /** The tab is closing: no time to wait for acks; the server honours an app-closed sent right before the close. */
  closeNow() {
    if (this.stopped) return;
    this.stopped = true;
    this.socket.emit('stop-streaming', { segment_id: this.uploader.segmentId });
    this.socket.emit('app-closed');
    this.socket.disconnect();
  }
}
