import type { MediaItem } from '@vaahshare/protocol';
import { toIso } from '../db/database.js';
import type { MediaRow } from '../db/schema.js';

/** The media item as the wire contract shows it (PROTOCOL.md §5). */
export const toMedia = (row: MediaRow): MediaItem => ({
  id: row.id,
  client_id: row.client_id,
  company_id: row.company_id,
  segment_id: row.segment_id,
  original_name: row.original_name,
  source: row.source,
  // Rows being deleted are never shown: the library, the routes and the events leave them out.
  status: row.status as MediaItem['status'],
  size: row.size,
  duration_ms: row.duration_ms,
  started_at: toIso(row.started_at)!,
  ended_at: toIso(row.ended_at),
  thumbnail_url: row.has_thumbnail ? `/api/media/${row.id}/thumbnail` : null,
  video_url: `/api/media/${row.id}/video`,
  error: row.error,
});
