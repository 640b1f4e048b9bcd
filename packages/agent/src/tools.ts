import { findFfmpeg, findOnPath } from './capture/ffmpeg-binary.js';
import type { CaptureTools } from './capture/capture.js';
import type { IdleTools } from './idle.js';
import type { Settings } from './settings.js';

export type Tools = CaptureTools & IdleTools & { xdpyinfo: string | null };

/** The programs the agent runs, found once at start. */
export function findTools(settings: Settings): Tools {
  const linux = process.platform === 'linux';
  return {
    ffmpeg: settings.ffmpeg ?? findFfmpeg(settings.path),
    setpriv: linux ? findOnPath(settings.path, 'setpriv') : null,
    xprintidle: linux ? findOnPath(settings.path, 'xprintidle') : null,
    powershell: process.platform === 'win32' ? findOnPath(settings.path, 'powershell') : null,
    ioreg: process.platform === 'darwin' ? (findOnPath(settings.path, 'ioreg') ?? '/usr/sbin/ioreg') : null,
    notifySend: linux ? findOnPath(settings.path, 'notify-send') : null,
    xdpyinfo: linux ? findOnPath(settings.path, 'xdpyinfo') : null,
  };
}
