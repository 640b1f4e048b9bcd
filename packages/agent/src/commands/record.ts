import { DEFAULT_QUALITY_PRESET } from '@vaahshare/protocol';
import { finishRecording, startRecording } from '../recording.js';
import { loadSettings, type Flags } from '../settings.js';
import { loadLastSettings } from '../spool/last-settings.js';
import { writeStatus } from '../status.js';
import { findTools } from '../tools.js';
import { captureOptions } from './capture-options.js';
import { log, onQuitSignals, openSpool } from './run-helpers.js';
import { agentCommand } from '../invocation.js';

/** `record`: captures locally only, until Ctrl-C; the next `start` uploads the file. */
export async function recordCommand(flags: Flags): Promise<number> {
  const settings = loadSettings(flags);
  const tools = findTools(settings);
  const { machine, spool } = openSpool(settings);
  // The company's preset as the server last sent it: a local recording is encoded like a streamed one.
  const preset = loadLastSettings(spool.dir)?.quality_preset ?? DEFAULT_QUALITY_PRESET;
  const recording = startRecording(spool, 'upload', captureOptions(settings, tools), { preset, watched: false }, tools);
  const status = (state: 'recording' | 'stopped') =>
    writeStatus(spool.dir, {
      pid: process.pid,
      user_host: machine.user_host,
      server: settings.server ?? null,
      state,
      segment: recording.segment.id,
      pending_bytes: recording.source.size(),
      started_at: new Date(recording.segment.started_at).toISOString(),
    });
  status('recording');
  log(`recording locally into ${recording.segment.file}; Ctrl-C to stop (\`${agentCommand()} start\` uploads it)`);
  const stopped = new Promise<number>((resolve) => {
    onQuitSignals(async () => {
      await finishRecording(recording);
      resolve(0);
    }, spool.dir);
    void recording.capture.exited.then(({ code, stderr }) => {
      if (recording.capture.stopRequested) return;
      log(`error: ffmpeg stopped (exit ${code}): ${stderr}`);
      resolve(1);
    });
  });
  const code = await stopped;
  recording.source.finish();
  status('stopped');
  log(`recorded ${(recording.source.size() / 1e6).toFixed(1)} MB: ${recording.segment.file}`);
  return code;
}
