import type { Db } from '../db/database.js';
import type { MediaRow } from '../db/schema.js';
import { findByNames } from './library.repository.js';

/** Longest `original_name` kept, in characters. */
const MAX_NAME_LENGTH = 255;

/**
 * The name an uploaded file is known by: its base name without the extension (`1715000000000-local.webm` →
 * `1715000000000-local`), without control characters. For display and de-duplication only: files on disk are
 * named by numeric ids (storage.ts), so this never becomes a path.
 */
export function displayName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return stem.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_NAME_LENGTH);
}

const EARLIEST_RECORDING = Date.UTC(2000, 0, 1);

/**
 * When the recording began, if its name starts with a time in ms (the original client names offline recordings
 * `<ms>-local.webm`); otherwise `fallback`. A time in the future (beyond a day of clock skew) is not believed.
 */
export function startedAtFromName(name: string, fallback: number): number {
  const match = /^(\d{13})(?!\d)/.exec(name);
  const at = match ? Number(match[1]) : NaN;
  return at >= EARLIEST_RECORDING && at <= fallback + 86_400_000 ? at : fallback;
}

/**
 * Which of the names an agent asked about the server holds for that client. A name matches as sent or without
 * its extension (agents list files, the server stores names without extension); `name` is the name as asked.
 */
export async function matchNames(db: Db, clientId: number, asked: string[]): Promise<Array<{ name: string; row: MediaRow }>> {
  const candidates = asked.flatMap((name) => [name, displayName(name)]).filter(Boolean);
  if (!candidates.length) return [];
  const byName = new Map((await findByNames(db, clientId, candidates)).map((row) => [row.original_name, row]));
  const found: Array<{ name: string; row: MediaRow }> = [];
  for (const name of new Set(asked)) {
    const row = byName.get(name) ?? byName.get(displayName(name));
    if (row) found.push({ name, row });
  }
  return found;
}
