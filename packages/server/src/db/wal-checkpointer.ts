import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** What one checkpoint did: frames in the write-ahead log, and how many of them are now in the database file. */
export interface CheckpointResult {
  mode: 'passive' | 'restart';
  log: number;
  checkpointed: number;
}

export interface WalCheckpointerOptions {
  /** How often the worker copies the log into the database file. */
  everyMs?: number;
  /**
   * Past this many frames (4 KiB each) the log is restarted even if writers must wait for it: a passive
   * checkpoint never waits, so under an unbroken stream of commits the log might otherwise never start over.
   */
  restartFrames?: number;
  onCheckpoint?: (result: CheckpointResult) => void;
  onError: (err: Error) => void;
}

/** SQLite's own default: a checkpoint once the log holds 1 000 pages. */
const AUTOCHECKPOINT_PAGES = 1000;
/** Once the log restarts, its file is cut back to this size instead of keeping its largest size for good. */
const LOG_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

// A CommonJS script, so the bundled server needs no separate file; the driver's path comes from the main thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
setInterval(() => {
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ result: { mode: 'passive', log: passive.log, checkpointed: passive.checkpointed } });
    // Fully copied, the next commit starts the log over by itself; else past the bound, make it.
    if (passive.log <= workerData.restartFrames || passive.checkpointed === passive.log) return;
    const [restart] = db.pragma('wal_checkpoint(RESTART)');
    parentPort.postMessage({ result: { mode: 'restart', log: restart.log, checkpointed: restart.checkpointed } });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.everyMs);
`;

/**
 * Moves SQLite's checkpoints (copying the write-ahead log into the database file, and syncing it) off the event
 * loop. SQLite runs one inside the commit that fills the log past 1 000 pages, so every few hundred commits one of
 * them took 25–50 ms instead of 0.04 (and 130–175 ms at the retention benchmark's load); the event loop waited for
 * it. Here a worker thread with its own connection does them, and the server's connection does none. Should the
 * worker stop, the server's connection goes back to checkpointing itself, so the log never grows without end.
 */
export function checkpointInWorker(database: SQLite.Database, file: string, options: WalCheckpointerOptions) {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  database.pragma(`journal_size_limit = ${LOG_SIZE_LIMIT_BYTES}`);
  database.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file, everyMs: options.everyMs ?? 250, restartFrames: options.restartFrames ?? 16_384 },
  });
  worker.unref();
  let stopping = false;
  worker.on('message', (message: { result?: CheckpointResult; error?: string }) => {
    if (message.result) options.onCheckpoint?.(message.result);
    else options.onError(new Error(`checkpoint failed: ${message.error}`));
  });
  worker.on('error', (err) => options.onError(err));
  worker.on('exit', () => {
    if (stopping || !database.open) return;
    options.onError(new Error('the checkpoint worker stopped: the server checkpoints on its own again'));
    database.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  });
  return {
    /** Before the server's connection closes (which then checkpoints what is left, as the last connection). */
    stop: () => {
      stopping = true;
      return worker.terminate();
    },
  };
}
