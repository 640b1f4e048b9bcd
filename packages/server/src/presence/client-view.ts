import type { Client } from '@vaahshare/protocol';
import { toIso } from '../db/database.js';
import type { ClientRow } from '../db/schema.js';

function parseMeta(meta: string): Record<string, unknown> {
  try {
    return JSON.parse(meta) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The client object as the wire contract shows it (PROTOCOL.md §3.3). */
export const toClient = (row: ClientRow): Client => clientView(row, parseMeta(row.meta));

/** The same for a row just written from `meta` (a connect): a reconnect storm need not parse each one back. */
export const clientView = (row: ClientRow, meta: Record<string, unknown>): Client => ({
  id: row.id,
  company_id: row.company_id,
  user_host: row.user_host,
  socket_id: row.socket_id,
  meta,
  is_connected: row.is_connected === 1,
  // A disconnected client is never reconnecting, whatever a half-finished row says.
  is_reconnecting: row.is_connected === 1 && row.is_reconnecting === 1,
  is_streaming: row.is_streaming === 1,
  grace_deadline: row.is_reconnecting === 1 ? toIso(row.grace_deadline) : null,
  last_seen_at: toIso(row.last_seen_at),
  disconnect_reason: row.is_connected === 1 ? null : row.disconnect_reason,
  device_enrolled: row.device_secret_hash !== null,
  group_id: row.group_id,
});
