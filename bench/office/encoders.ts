import { QUALITY_PRESETS } from '@vaahshare/protocol';
import { captureFilters, captureFps, encoderArgs } from '../../packages/agent/src/capture/capture-args.js';

/** One encoder setting under test: the filters and encoder/muxer options the agent would run after its capture. */
export interface EncoderSetting {
  name: string;
  what: string;
  filters: string;
  encoder: string[];
}

export const SIZE = { width: 1280, height: 720, fps: 10 };
const FIT = captureFilters(SIZE, true);
const VP8_REALTIME = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-auto-alt-ref', '0'];

/** The agent's settings before issue 20 (commit 960e17a, `captureArgs`): VP8 at a fixed 1 Mbit/s, a keyframe every 2 s, ~100 ms clusters. */
export const TODAY: EncoderSetting = {
  name: 'today',
  what: 'before: VP8, fixed 1 Mbit/s, keyframe every 2 s',
  filters: FIT,
  encoder: [...VP8_REALTIME, '-b:v', '1M', '-g', '20', '-f', 'webm', '-cluster_time_limit', '100', '-flush_packets', '1'],
};

/** Every setting compared in one run: today's, the alternatives measured to choose, the presets the agent ships. */
export function encoderSettings(): EncoderSetting[] {
  const unwatched = captureFilters(SIZE, false);
  // The reference is captured at 10 fps: a preset capturing fewer takes every other frame or so (`fps`), as its x11grab would.
  const presetFilters = (name: (typeof QUALITY_PRESETS)[number]) => {
    const fps = captureFps(SIZE.fps, { preset: name, watched: false });
    return `fps=${fps},${captureFilters({ ...SIZE, fps }, false)}`;
  };
  const preset = (name: (typeof QUALITY_PRESETS)[number], watched = false) => encoderArgs({ preset: name, watched }, captureFps(SIZE.fps, { preset: name, watched }));
  return [
    TODAY,
    {
      name: 'vp8-cq',
      what: 'VP8 constant quality (crf 24, cap 600k), unchanged frames dropped, keyframe every 300 frames',
      filters: unwatched,
      encoder: [...VP8_REALTIME, '-crf', '24', '-b:v', '600k', '-g', '300', '-f', 'webm', '-write_crc32', '0', '-cluster_time_limit', '1000', '-flush_packets', '1'],
    },
    {
      name: 'vp9-1M',
      what: 'VP9 screen tuning, fixed 1 Mbit/s, keyframe every 2 s (codec alone)',
      filters: FIT,
      encoder: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-tune-content', 'screen', '-lag-in-frames', '0', '-b:v', '1M', '-g', '20', '-f', 'webm', '-cluster_time_limit', '100', '-flush_packets', '1'],
    },
    { name: 'balanced-10fps', what: 'balanced at 10 fps (unchanged frames dropped)', filters: unwatched, encoder: encoderArgs({ preset: 'balanced', watched: false }, SIZE.fps) },
    ...QUALITY_PRESETS.map((name) => ({ name, what: `preset "${name}"`, filters: presetFilters(name), encoder: preset(name) })),
    { name: 'balanced-watched', what: 'balanced while watched at 10 fps (the agent: 20): every frame, keyframe every 2 s, a cluster per frame', filters: FIT, encoder: encoderArgs({ preset: 'balanced', watched: true }, SIZE.fps) },
  ];
}
