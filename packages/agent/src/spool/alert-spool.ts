import fs from 'node:fs';
import path from 'node:path';
import { alertSchema } from '@vaahshare/protocol';
import { z } from 'zod';

const spooledAlertSchema = alertSchema.required({ alert_id: true, occurred_at: true });
/** An idle alert as the agent sends it: always named, dated, and with how long the person was away once known. */
export type SpooledAlert = z.infer<typeof spooledAlertSchema>;

const FILE = 'alerts.queue';
const queueSchema = z.array(spooledAlertSchema);

/**
 * Idle alerts not yet acknowledged by the server, kept on disk beside the recordings (PROTOCOL.md §8.11): an alert
 * raised while the server is unreachable, or before the agent restarts, is sent with its real time once connected.
 * One entry per idle period; a newer version of a period (the person came back) replaces the older one.
 */
export class AlertSpool {
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, FILE);
  }

  /** Pending alerts, oldest first (the queue is renamed into place, so it is never torn; an unreadable one is empty). */
  list(): SpooledAlert[] {
    try {
      const parsed = queueSchema.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }

  /**
   * Adds an alert, or updates the pending one of the same idle period; the period keeps the time it was first
   * reported (an agent restarted while the person is still away reports the same period again, later).
   */
  put(alert: SpooledAlert) {
    const pending = this.list();
    const at = pending.findIndex((a) => a.alert_id === alert.alert_id);
    if (at === -1) pending.push(alert);
    else pending[at] = { ...alert, idle_seconds: pending[at].idle_seconds, occurred_at: pending[at].occurred_at };
    this.save(pending);
  }

  /** Forgets an alert the server acknowledged, unless a newer version of it was put meanwhile. */
  remove(sent: SpooledAlert) {
    // Versions of one period differ only in what is known of the person's return.
    this.save(this.list().filter((a) => a.alert_id !== sent.alert_id || a.away_seconds !== sent.away_seconds));
  }

  private save(pending: SpooledAlert[]) {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(pending));
    fs.renameSync(tmp, this.file);
  }
}
