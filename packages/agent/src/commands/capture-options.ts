import { Option, type Command } from 'commander';
import type { CaptureOptions } from '../capture/capture-args.js';
import { x11ScreenSize } from '../capture/screen-size.js';
import type { Settings } from '../settings.js';
import type { Tools } from '../tools.js';

/** Options every command that captures takes. */
export function withCaptureOptions(command: Command): Command {
  return command
    .addOption(new Option('--source <source>', 'what to capture: the desktop, or a synthetic moving picture (env VAAHSHARE_SOURCE)').choices(['screen', 'test']))
    .option('--fps <n>', 'frames per second, 1-60 (default 10; env VAAHSHARE_FPS)')
    .option('--size <WxH>', 'largest picture size, aspect kept (default 1280x720; env VAAHSHARE_SIZE)')
    .option('--bitrate <rate>', "a cap on the video bitrate such as 800k or 1M (default: the company's quality preset; env VAAHSHARE_BITRATE)")
    .option('--display <display>', 'X11 display (default $DISPLAY), macOS screen device index (default 1), Windows gdigrab target (default desktop)');
}

export function withIdentityOptions(command: Command): Command {
  return command
    .option('--user-host <name>', 'identity reported to the server (default username@hostname; env VAAHSHARE_USER_HOST)')
    .option('--data-dir <dir>', 'where local recordings wait until the server has them (env VAAHSHARE_DATA_DIR)')
    .option('--config <file>', 'config file (default: written by `setup` in your config dir; env VAAHSHARE_CONFIG)');
}

export function captureOptions(settings: Settings, tools: Tools): CaptureOptions {
  const [width, height] = settings.size;
  const screenSize = settings.source === 'screen' && process.platform === 'linux' ? x11ScreenSize(tools.xdpyinfo, settings.display) : undefined;
  return { source: settings.source, fps: settings.fps, width, height, bitrate: settings.bitrate, display: settings.display, screenSize };
}
