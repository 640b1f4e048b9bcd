import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Where this install's self-update stands, in `<data dir>/update.json`, shared by the old executable and the new
 * one it tries: `trying` while the old one waits for the new one to connect (`connected_pid` is the new one's
 * word that it did), `failed` once an update was refused or rolled back (reported to the server until another
 * update succeeds; that version is not tried again). No file: nothing under way, nothing failed.
 */
const recordSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('trying'), version: z.string(), from: z.string(), connected_pid: z.number().optional() }),
  z.object({ state: z.literal('failed'), version: z.string(), reason: z.string(), at: z.string() }),
]);
export type UpdateRecord = z.infer<typeof recordSchema>;

export const updateRecordFile = (dataDir: string) => path.join(dataDir, 'update.json');

export function readUpdateRecord(dataDir: string): UpdateRecord | null {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(fs.readFileSync(updateRecordFile(dataDir), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Replaces the record in one rename, so the other process never reads half of it. */
export function writeUpdateRecord(dataDir: string, record: UpdateRecord | null) {
  const file = updateRecordFile(dataDir);
  if (!record) return fs.rmSync(file, { force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(record));
  fs.renameSync(`${file}.${process.pid}.tmp`, file);
}
