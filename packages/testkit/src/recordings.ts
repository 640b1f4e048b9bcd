/** Recordings as the server leaves them (rows and real files), made directly for retention and deletion tests. */
import fs from 'node:fs';
import type { Database, MediaRow } from '@vaahshare/server/db/schema';
import { mediaPaths } from '@vaahshare/server/media/storage';
import type { Kysely } from 'kysely';
import type { TestServer } from './harness.js';

type Db = Kysely<Database>;

export const DAY = 86_400_000;
let names = 0;

export interface RecordingSpec {
  companyId: number;
  clientId: number;
  /** How long ago it started. */
  ageMs: number;
  size?: number;
  status?: MediaRow['status'];
}

/** A recording as the server leaves it: its row, and its files on disk (the video of `size` bytes and a thumbnail). */
export async function addRecording(db: Db, dataDir: string, spec: RecordingSpec): Promise<MediaRow> {
  const { companyId, clientId, ageMs, size = 1000, status = 'ready' } = spec;
  const name = `rec-${++names}-${Date.now()}`;
  const startedAt = Date.now() - ageMs;
  const row = await db
    .insertInto('media')
    .values({
      company_id: companyId,
      client_id: clientId,
      segment_id: name,
      original_name: name,
      source: 'live',
      status,
      size,
      has_thumbnail: status === 'ready' ? 1 : 0,
      node_id: status === 'recording' || status === 'processing' ? 'test-node' : null,
      started_at: startedAt,
      ended_at: status === 'recording' ? null : startedAt + 60_000,
      updated_at: startedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const paths = mediaPaths(dataDir, row);
  await fs.promises.mkdir(paths.dir, { recursive: true });
  if (status === 'ready') {
    await fs.promises.writeFile(paths.final, Buffer.alloc(size, 7));
    await fs.promises.writeFile(paths.thumbnail, Buffer.alloc(100, 8));
  } else {
    await fs.promises.writeFile(paths.raw, Buffer.alloc(size, 7));
  }
  return row;
}

/** Many old finished recordings of one client (rows inserted a few hundred at a time), each with its two files. */
export async function addOldRecordings(db: Db, dataDir: string, companyId: number, clientId: number, count: number): Promise<number[]> {
  const ids: number[] = [];
  const now = Date.now();
  for (let at = 0; at < count; at += 200) {
    const values = Array.from({ length: Math.min(200, count - at) }, (_, i) => {
      const name = `old-${++names}-${now}`;
      const startedAt = now - 10 * DAY + at + i;
      return { company_id: companyId, client_id: clientId, segment_id: name, original_name: name, source: 'live' as const, status: 'ready' as const, size: 100, has_thumbnail: 1, started_at: startedAt, ended_at: startedAt, updated_at: startedAt };
    });
    const rows = await db.insertInto('media').values(values).returning(['id', 'company_id', 'client_id']).execute();
    await fs.promises.mkdir(mediaPaths(dataDir, rows[0]).dir, { recursive: true });
    await Promise.all(rows.flatMap((row) => [fs.promises.writeFile(mediaPaths(dataDir, row).final, Buffer.alloc(100, 7)), fs.promises.writeFile(mediaPaths(dataDir, row).thumbnail, 'jpg')]));
    ids.push(...rows.map((row) => row.id));
  }
  return ids;
}

/** Which of a recording's files exist. */
export function filesOf(dataDir: string, row: Pick<MediaRow, 'id' | 'company_id' | 'client_id'>) {
  const paths = mediaPaths(dataDir, row);
  return [paths.final, paths.raw, paths.thumbnail].filter((file) => fs.existsSync(file));
}

export const rowExists = async (t: TestServer, id: number) =>
  Boolean(await t.server.ctx.db.selectFrom('media').select('id').where('id', '=', id).executeTakeFirst());
