import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { captureArgs, captureFilters, encoderArgs, type CaptureOptions } from './capture-args.js';
import { findFfmpeg } from './ffmpeg-binary.js';
import { LIVE_SPEED, PRESETS, RECORDING_SPEED } from './presets.js';

const SCREEN: CaptureOptions = { source: 'screen', fps: 10, width: 1280, height: 720, display: ':0', screenSize: '1920x1080' };
const value = (args: string[], name: string) => args[args.indexOf(name) + 1];

test('nobody watching: unchanged frames dropped (one a second still goes), the preset\'s quality, cap and long keyframe spacing', () => {
  const args = captureArgs(SCREEN, { preset: 'archive', watched: false }, 'linux');
  assert.equal(value(args, '-framerate'), String(PRESETS.archive.maxFps), 'at most the preset\'s frame rate');
  assert.match(value(args, '-vf'), new RegExp(`,mpdecimate=max=${PRESETS.archive.maxFps - 1},format=yuv420p$`));
  assert.equal(value(args, '-c:v'), 'libvpx-vp9');
  assert.equal(value(args, '-tune-content'), 'screen');
  assert.equal(value(args, '-cpu-used'), String(RECORDING_SPEED));
  assert.equal(value(args, '-aq-mode'), '3');
  assert.equal(value(args, '-crf'), String(PRESETS.archive.crf));
  assert.equal(value(args, '-qmin'), String(PRESETS.archive.qmin));
  assert.equal(value(args, '-b:v'), PRESETS.archive.cap);
  assert.equal(value(args, '-g'), String(PRESETS.archive.keyframeFrames));
  assert.equal(value(args, '-cluster_time_limit'), '1000');
  assert.equal(args.at(-1), 'pipe:1');
});

test('watched: every frame at 20 fps at least, the live view\'s speed and quality, a keyframe every 2 s and a cluster per frame, for a viewer\'s delay', () => {
  const args = captureArgs(SCREEN, { preset: 'balanced', watched: true }, 'linux');
  assert.equal(value(args, '-cpu-used'), String(LIVE_SPEED));
  assert.equal(value(args, '-crf'), String(PRESETS.balanced.liveCrf));
  assert.equal(args.includes('-qmin'), false, 'no floor under the live view\'s quantizer');
  assert.doesNotMatch(value(args, '-vf'), /mpdecimate/);
  assert.equal(value(args, '-framerate'), '20');
  assert.equal(value(args, '-g'), '40');
  assert.equal(value(captureArgs({ ...SCREEN, fps: 30 }, { preset: 'balanced', watched: true }, 'linux'), '-framerate'), '30');
  assert.equal(value(args, '-cluster_size_limit'), '0');
  assert.equal(args.includes('-cluster_time_limit'), false);
});

test('the live view keeps its own bitrate cap, not the recording\'s', () => {
  for (const preset of ['archive', 'balanced', 'sharp'] as const) {
    assert.equal(value(captureArgs(SCREEN, { preset, watched: true }, 'linux'), '-b:v'), PRESETS[preset].liveCap);
    assert.equal(value(captureArgs(SCREEN, { preset, watched: false }, 'linux'), '-b:v'), PRESETS[preset].cap);
  }
});

test('watched: the grabbed RGB picture is scaled and converted to yuv420p in one pass (ffmpeg\'s own negotiation)', async () => {
  // A 1080p grab as x11grab delivers it (bgr0), through the real ffmpeg: its scale filter says what it converts.
  const { stderr } = await promisify(execFile)(findFfmpeg(process.env.PATH ?? ''), [
    '-hide_banner', '-loglevel', 'verbose', '-f', 'lavfi', '-i', 'color=size=1920x1080:rate=1,format=bgr0',
    '-vf', captureFilters(SCREEN, true), '-frames:v', '1', '-f', 'null', '-',
  ]);
  const fitting = stderr.split('\n').find((line) => line.includes('Parsed_scale_0') && line.includes('->'));
  assert.match(fitting ?? stderr, /fmt:bgr0 .*-> w:1280 h:720 fmt:yuv420p/);
});

test('frames grabbed less than a millisecond apart still make a recording that decodes cleanly', async (t) => {
  const ffmpeg = findFfmpeg(process.env.PATH ?? '');
  const quiet = ['-hide_banner', '-loglevel', 'error'];
  for (const watched of [false, true]) {
    await t.test(watched ? 'watched' : 'unwatched', async () => {
      // 2 000 frames a second: every other one falls in the millisecond of the one before.
      const source = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=2000', '-frames:v', '40'];
      const encode = [...quiet, ...source, ...encoderArgs({ preset: 'balanced', watched }, 2000), 'pipe:1'];
      const { stdout: webm } = await promisify(execFile)(ffmpeg, encode, { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
      const decoderErrors = await new Promise<string>((resolve, reject) => {
        const decode = execFile(ffmpeg, [...quiet, '-i', 'pipe:0', '-f', 'null', '-'], (err, _stdout, stderr) => (err ? reject(err) : resolve(stderr)));
        decode.stdin!.end(webm);
      });
      assert.equal(decoderErrors, '', 'the decoder found nothing wrong');
    });
  }
});

test('a bitrate cap of the desktop\'s own replaces the preset\'s', () => {
  assert.equal(value(captureArgs({ ...SCREEN, bitrate: '2M' }, { preset: 'sharp', watched: false }, 'linux'), '-b:v'), '2M');
});

test('the grab of each platform', () => {
  assert.deepEqual(captureArgs(SCREEN, { preset: 'balanced', watched: false }, 'linux').slice(3, 13), ['-f', 'x11grab', '-framerate', String(PRESETS.balanced.maxFps), '-draw_mouse', '1', '-video_size', '1920x1080', '-i', ':0']);
  assert.equal(value(captureArgs({ ...SCREEN, display: 'desktop' }, { preset: 'balanced', watched: false }, 'win32'), '-f'), 'gdigrab');
  assert.equal(value(captureArgs({ ...SCREEN, display: '1' }, { preset: 'balanced', watched: false }, 'darwin'), '-i'), '1:none');
});
