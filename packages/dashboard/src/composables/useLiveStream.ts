import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import { mediaApi } from '../api';
import { LivePlayer } from '../lib/live-player';
import { watchLive } from '../realtime/live-feed';

/** Watches a client's live stream into a <video> while the component is mounted. */
export function useLiveStream(video: Ref<HTMLVideoElement | null>, clientId: Ref<number>) {
  const segmentId = ref<string | null>(null);
  /** When the segment being shown started on the server, for the delay. */
  const segmentStartedAt = ref<number | null>(null);
  const error = ref<string | null>(null);
  let player: LivePlayer | null = null;
  let stop: (() => void) | null = null;

  async function learnStart(id: number, segment: string) {
    const { data } = await mediaApi.list({ client_id: id, status: 'recording', per_page: 5 }).catch(() => ({ data: [] }));
    const item = data.find((m) => m.segment_id === segment);
    if (segmentId.value === segment) segmentStartedAt.value = item ? Date.parse(item.started_at) : null;
  }

  function start() {
    if (!video.value) return;
    const id = clientId.value;
    player = new LivePlayer(video.value);
    const current = player;
    stop = watchLive(id, {
      init: (chunk) => {
        current.init(chunk);
        error.value = current.error;
        segmentId.value = chunk.segmentId;
        segmentStartedAt.value = null;
        void learnStart(id, chunk.segmentId);
      },
      frame: (chunk) => {
        current.frame(chunk);
        error.value = current.error;
      },
      refused: (message) => (error.value = message),
    });
  }

  function end() {
    stop?.();
    player?.stop();
    stop = null;
    player = null;
    segmentId.value = null;
  }

  /**
   * Seconds between now and the moment on screen was captured: the segment's start plus the playback position
   * (an agent's recording starts with its segment). Without that start, what is buffered but not yet shown.
   */
  function delaySeconds(now: number): number | null {
    const v = video.value;
    if (!player || !v || !segmentId.value || v.readyState < 2) return null;
    const lag = player.bufferLag();
    if (segmentStartedAt.value === null) return lag;
    return Math.max(lag, (now - segmentStartedAt.value) / 1000 - v.currentTime);
  }

  onMounted(start);
  onBeforeUnmount(end);
  watch(clientId, () => {
    end();
    start();
  });

  return { segmentId, error, delaySeconds };
}
