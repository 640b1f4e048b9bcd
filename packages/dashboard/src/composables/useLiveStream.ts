import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import { mediaApi } from '../api';
import { LivePlayer } from '../lib/live-player';
import { WebCodecsPlayer, webCodecsAvailable } from '../lib/webcodecs-player';
import { watchLive } from '../realtime/live-feed';

/** How the picture is shown: each frame decoded and drawn on a <canvas> as it arrives, or a <video> playing through MediaSource. */
export type LivePlayerKind = 'webcodecs' | 'mediasource';

/**
 * Watches a client's live stream while the component is mounted. Given a <canvas>, and where the browser has
 * WebCodecs for the stream's codec, each frame is shown as soon as it arrives (`WebCodecsPlayer`); otherwise,
 * and for good once that fails for this client, the <video> plays it through MediaSource (`LivePlayer`), some
 * 0.1 s behind the newest frame.
 */
export function useLiveStream(video: Ref<HTMLVideoElement | null>, clientId: Ref<number>, canvas?: Ref<HTMLCanvasElement | null>) {
  const segmentId = ref<string | null>(null);
  /** When the segment being shown started on the server, for the delay. */
  const segmentStartedAt = ref<number | null>(null);
  const error = ref<string | null>(null);
  const kind = ref<LivePlayerKind>('mediasource');
  /** The width of the picture on screen, 0 while none is. */
  const pictureWidth = ref(0);
  let player: LivePlayer | WebCodecsPlayer | null = null;
  let stop: (() => void) | null = null;
  let webCodecsFailed = false;

  async function learnStart(id: number, segment: string) {
    const { data } = await mediaApi.list({ client_id: id, status: 'recording', per_page: 5 }).catch(() => ({ data: [] }));
    const item = data.find((m) => m.segment_id === segment);
    if (segmentId.value === segment) segmentStartedAt.value = item ? Date.parse(item.started_at) : null;
  }

  function newPlayer(): LivePlayer | WebCodecsPlayer | null {
    if (canvas?.value && !webCodecsFailed && webCodecsAvailable()) {
      kind.value = 'webcodecs';
      const created: WebCodecsPlayer = new WebCodecsPlayer(canvas.value, {
        drew: (width) => (pictureWidth.value = width),
        // After the handler that found it has returned (a live-feed dispatch may be under way).
        failed: (reason) => queueMicrotask(() => fallBack(created, reason)),
      });
      return created;
    }
    kind.value = 'mediasource';
    return video.value && new LivePlayer(video.value);
  }

  function start() {
    const id = clientId.value;
    const current = newPlayer();
    if (!current) return;
    player = current;
    pictureWidth.value = 0;
    stop = watchLive(id, {
      init: (chunk) => {
        current.init(chunk);
        error.value = current instanceof LivePlayer ? current.error : null;
        segmentId.value = chunk.segmentId;
        segmentStartedAt.value = null;
        void learnStart(id, chunk.segmentId);
      },
      frame: (chunk) => {
        current.frame(chunk);
        if (current instanceof LivePlayer) error.value = current.error;
      },
      refused: (message) => (error.value = message),
    });
  }

  /**
   * WebCodecs cannot show this stream: watch it again through MediaSource, which then reports what it cannot
   * play. The new watch starts before the old one ends, so the server replays the header and the last keyframe
   * without the client being left unwatched in between.
   */
  function fallBack(failed: WebCodecsPlayer, reason: string) {
    if (player !== failed) return;
    console.warn(`Live view: ${reason}; playing the stream through MediaSource instead`);
    webCodecsFailed = true;
    const previousStop = stop;
    start();
    previousStop?.();
    failed.stop();
  }

  function end() {
    stop?.();
    player?.stop();
    stop = null;
    player = null;
    segmentId.value = null;
    pictureWidth.value = 0;
  }

  /**
   * A <video>'s picture counts once it can show one (`readyState` ≥ 2), and stays on screen through a seek to the
   * live edge (which drops `readyState` for a moment) until the source is emptied.
   */
  function videoPictureChanged(event: Event) {
    const v = video.value;
    if (kind.value !== 'mediasource' || !v) return;
    if (event.type === 'emptied') pictureWidth.value = 0;
    else if (v.readyState >= 2) pictureWidth.value = v.videoWidth;
  }

  /**
   * Seconds between now and the moment on screen was captured: the segment's start plus the position of the
   * picture shown in it (an agent's recording starts with its segment). Without that start, what was received
   * but is not shown yet.
   */
  function delaySeconds(now: number): number | null {
    const position = player?.position() ?? null;
    if (!player || !segmentId.value || position === null) return null;
    const lag = player.bufferLag();
    if (segmentStartedAt.value === null) return lag;
    return Math.max(lag, (now - segmentStartedAt.value) / 1000 - position);
  }

  /** What the <video> could not decode (MediaSource reports it there, after the append that had it). */
  function videoFailed() {
    const failure = video.value?.error;
    if (kind.value === 'mediasource' && failure) error.value = `The live stream could not be decoded (${failure.message || `media error ${failure.code}`})`;
  }

  onMounted(() => {
    for (const event of ['loadeddata', 'canplay', 'timeupdate', 'resize', 'emptied']) video.value?.addEventListener(event, videoPictureChanged);
    video.value?.addEventListener('error', videoFailed);
    start();
  });
  onBeforeUnmount(end);
  watch(clientId, () => {
    end();
    webCodecsFailed = false;
    start();
  });

  return { segmentId, error, delaySeconds, kind, pictureWidth };
}
