import { QUALITY_PRESETS, type QualityPreset } from '@vaahshare/protocol';
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

/**
 * `args` with some options' values replaced (`null`: the option removed), an option not in `args` added before
 * the muxer's: a candidate that differs from a preset's encoding in what it names only.
 */
export function withOptions(args: string[], changes: Record<string, string | null>): string[] {
  const out = [...args];
  for (const [name, value] of Object.entries(changes)) {
    const at = out.indexOf(name);
    if (at >= 0 && value === null) out.splice(at, 2);
    else if (at >= 0) out[at + 1] = value!;
    else if (value !== null) out.splice(out.indexOf('-f'), 0, name, value);
  }
  return out;
}

/** The recording (nobody watching) of a preset's settings at `fps`, as its x11grab would capture it from the 10 fps reference. */
const recordedAt = (fps: number) => `fps=${fps},${captureFilters({ ...SIZE, fps }, false)}`;

/** The "balanced" recording of 2026-12-01 (5 fps, realtime speed 8, crf 46, no adaptive quantization): the candidates' baseline. */
const BALANCED_BEFORE = { '-cpu-used': '8', '-aq-mode': null, '-crf': '46', '-qmin': null, '-b:v': '500k', '-g': '300' };
const BEFORE_FPS = 5;

/** Every setting compared in one run: today's, the alternatives measured to choose, the presets the agent ships. */
export function encoderSettings(): EncoderSetting[] {
  const unwatched = captureFilters(SIZE, false);
  const presetFps = (name: QualityPreset) => captureFps(SIZE.fps, { preset: name, watched: false });
  const preset = (name: QualityPreset, fps = presetFps(name)) => encoderArgs({ preset: name, watched: false }, fps);
  const balanced = (name: string, what: string, changes: Record<string, string | null>, fps = presetFps('balanced')): EncoderSetting => ({
    name,
    what,
    filters: recordedAt(fps),
    encoder: withOptions(preset('balanced', fps), changes),
  });
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
    balanced('balanced-before', 'balanced of 2026-12-01: 5 fps, speed 8, crf 46, cap 500k, keyframe every 300 frames', BALANCED_BEFORE, BEFORE_FPS),
    balanced('before-speed-5', 'balanced-before at realtime speed 5', { ...BALANCED_BEFORE, '-cpu-used': '5' }, BEFORE_FPS),
    balanced('before-speed-5-aq3', 'balanced-before at speed 5 with cyclic-refresh adaptive quantization (-aq-mode 3)', { ...BALANCED_BEFORE, '-cpu-used': '5', '-aq-mode': '3' }, BEFORE_FPS),
    balanced('before-crf-63', 'balanced-before at crf 63 (speed 8)', { ...BALANCED_BEFORE, '-crf': '63' }, BEFORE_FPS),
    balanced('before-speed-5-aq3-crf-63', 'balanced-before at speed 5, -aq-mode 3 and crf 63 (balanced now, at 5 fps)', { ...BALANCED_BEFORE, '-cpu-used': '5', '-aq-mode': '3', '-crf': '63' }, BEFORE_FPS),
    balanced('balanced-10fps', 'balanced at 10 fps', {}, SIZE.fps),
    balanced('balanced-dec02', 'balanced of 2026-12-02 05:25: 3 fps, no floor under the quantizer, cap 500k', { '-qmin': '0', '-b:v': '500k' }, 3),
    balanced('balanced-3fps-qmin40', 'balanced at 3 fps with a floor of 40 under the quantizer', { '-qmin': '40' }, 3),
    ...QUALITY_PRESETS.map((name) => ({ name, what: `preset "${name}"`, filters: recordedAt(presetFps(name)), encoder: preset(name) })),
    { name: 'balanced-watched', what: 'balanced while watched at 10 fps (the agent: 20): every frame, keyframe every 2 s, a cluster per frame', filters: FIT, encoder: encoderArgs({ preset: 'balanced', watched: true }, SIZE.fps) },
  ];
}
