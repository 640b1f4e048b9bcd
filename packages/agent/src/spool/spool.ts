import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The local recordings of one desktop identity (`user_host`): every capture goes to a file here first,
 * and a file is removed only once the server acknowledged all of it.
 *
 * - `live`: streamed over the socket with offsets (resumed after a cut or a crash);
 * - `upload`: sent whole over HTTP (`/api/media/check` then `/api/media/upload`) under `name`:
 *   recordings made by `record`, while the server was unreachable at start, or whose live segment the
 *   server already finalized (then `name` differs from the id, so the part it holds is not taken for the whole).
 */
const segmentMetaSchema = z.object({
  id: z.string(),
  mode: z.enum(['live', 'upload']),
  name: z.string(),
  started_at: z.number(),
});
export type SegmentMeta = z.infer<typeof segmentMetaSchema>;

export interface LocalSegment extends SegmentMeta {
  file: string;
}

export const spoolDirOf = (dataDir: string, userHost: string) => path.join(dataDir, 'spool', userHost.replace(/[^A-Za-z0-9@._-]/g, '_'));

export class Spool {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** A new segment, named by its start time (the server reads `started_at` from a leading 13-digit time). */
  create(mode: SegmentMeta['mode']): LocalSegment {
    const startedAt = Date.now();
    const id = `${startedAt}-${mode === 'live' ? randomBytes(3).toString('hex') : 'local'}`;
    const meta: SegmentMeta = { id, mode, name: id, started_at: startedAt };
    this.save(meta);
    return { ...meta, file: this.fileOf(id) };
  }

  /** Turns a segment into an upload under `name` (the whole file goes over HTTP). */
  toUpload(segment: LocalSegment, name = segment.name): LocalSegment {
    const meta: SegmentMeta = { id: segment.id, mode: 'upload', name, started_at: segment.started_at };
    this.save(meta);
    return { ...meta, file: segment.file };
  }

  /** Segments on disk, oldest first; `except` leaves out the ones being captured now. */
  list(except: string[] = []): LocalSegment[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json') && f !== 'status.json' && !except.includes(f.slice(0, -'.json'.length)))
      .map((f) => this.load(path.join(this.dir, f)))
      .filter((s): s is LocalSegment => s !== null)
      .sort((a, b) => a.started_at - b.started_at);
  }

  remove(segment: Pick<LocalSegment, 'id'>) {
    fs.rmSync(this.fileOf(segment.id), { force: true });
    fs.rmSync(this.metaOf(segment.id), { force: true });
  }

  private load(metaFile: string): LocalSegment | null {
    const parsed = segmentMetaSchema.safeParse(readJson(metaFile));
    if (!parsed.success) return null;
    const file = this.fileOf(parsed.data.id);
    // A segment whose capture never wrote a byte is nothing to send.
    if (!fs.existsSync(file) || fs.statSync(file).size === 0) {
      this.remove(parsed.data);
      return null;
    }
    return { ...parsed.data, file };
  }

  private save(meta: SegmentMeta) {
    const tmp = `${this.metaOf(meta.id)}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(meta));
    fs.renameSync(tmp, this.metaOf(meta.id));
  }

  private fileOf = (id: string) => path.join(this.dir, `${id}.webm`);
  private metaOf = (id: string) => path.join(this.dir, `${id}.json`);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}
