import fs from 'node:fs';
import type { ByteSource } from '../shared/segment-uploader.js';

/**
 * How often a growing file is looked at when the OS does not say it changed (a live view's ffmpeg writes a
 * cluster per frame; the file watch wakes the sender at once where it works).
 */
const POLL_MS = 50;

/**
 * A segment file that ffmpeg appends to, read from any offset: the bytes are on disk before they are
 * sent, so a cut, a crash or a full send buffer never loses them.
 */
export class FileSource implements ByteSource {
  private known = 0;
  private done = false;
  /** The file opened for reading, once: reads that start together share one open, and `close` closes it. */
  private opening: Promise<fs.promises.FileHandle> | null = null;
  private watcher: fs.FSWatcher | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly path: string) {
    this.known = fileSize(path);
  }

  /** The writer (ffmpeg) exited: what is on disk is the whole segment. */
  finish() {
    this.known = fileSize(this.path);
    this.done = true;
    this.unwatch();
  }

  size() {
    if (!this.done) this.known = fileSize(this.path);
    return this.known;
  }

  finished() {
    return this.done;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.opening ??= fs.promises.open(this.path, 'r');
    const handle = await this.opening;
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  }

  async changed(): Promise<void> {
    const before = this.known;
    const deadline = Date.now() + 1000;
    this.watch();
    while (!this.done && Date.now() < deadline) {
      if (this.size() !== before) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /**
   * Closes the file, also when an open is still under way (it was read from just now): a handle left open keeps a
   * deleted recording's disk space until a garbage collection.
   */
  async close() {
    this.unwatch();
    const opening = this.opening;
    this.opening = null;
    const handle = await opening?.catch(() => null);
    await handle?.close();
  }

  /** The OS tells when ffmpeg wrote (inotify, FSEvents, ReadDirectoryChangesW): bytes go out without a poll's delay. */
  private watch() {
    if (this.watcher || this.done) return;
    try {
      this.watcher = fs.watch(this.path, { persistent: false }, () => this.wake?.());
      this.watcher.on('error', () => this.unwatch());
    } catch {
      // No watch here (a file system without change events): polling alone.
    }
  }

  private unwatch() {
    this.watcher?.close();
    this.watcher = null;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
