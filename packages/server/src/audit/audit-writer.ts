import type { FastifyBaseLogger } from 'fastify';
import type { NewAuditEntry } from '../db/schema.js';

/** Inserts entries, in the order given, in one statement. */
export type InsertEntries = (entries: NewAuditEntry[]) => Promise<void>;

interface Waiting {
  entry: NewAuditEntry;
  written: () => void;
}

const MAX_BATCH = 500;
const RETRY_MS = 1000;

/**
 * The audit trail's one way in: an ordered queue written in batches (one INSERT for everything queued while the
 * previous one ran). `record` resolves once the entry is committed, so a route that awaits it answers only after
 * its action is on record. A failed write is retried in order until it succeeds; `drain` (shutdown) writes what is
 * queued, and what even then cannot be written is logged in full rather than dropped silently.
 */
export function createAuditWriter(insert: InsertEntries, log: FastifyBaseLogger) {
  let queue: Waiting[] = [];
  let writing: Promise<void> | null = null;
  let draining = false;

  async function writeAll(): Promise<void> {
    while (queue.length) {
      const batch = queue.slice(0, MAX_BATCH);
      try {
        await insert(batch.map((w) => w.entry));
      } catch (err) {
        if (draining) {
          log.error({ err, entries: batch.map((w) => w.entry) }, 'audit entries could not be written at shutdown');
        } else {
          log.error({ err, queued: queue.length }, 'writing audit entries failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
          continue;
        }
      }
      queue = queue.slice(batch.length);
      for (const w of batch) w.written();
    }
  }

  function flush(): Promise<void> {
    writing ??= writeAll().finally(() => {
      writing = null;
      // An entry queued after the loop's last check and before this point is written by the next loop.
      if (queue.length) void flush();
    });
    return writing;
  }

  return {
    record(entry: NewAuditEntry): Promise<void> {
      return new Promise((written) => {
        queue.push({ entry, written });
        // Entries queued while a batch is written go in the next one, which the running loop picks up.
        if (!writing) void flush();
      });
    },
    /** At shutdown: every queued entry written (or logged). */
    async drain(): Promise<void> {
      draining = true;
      while (queue.length || writing) await (writing ?? flush());
    },
    queued: () => queue.length,
  };
}

export type AuditWriter = ReturnType<typeof createAuditWriter>;
