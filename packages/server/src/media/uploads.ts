import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import type { MediaRow } from '../db/schema.js';
import { AppError, badRequest } from '../errors.js';
import { runInBackground } from '../infra/background.js';
import { deleteMedia } from './library.repository.js';
import * as repo from './media.repository.js';
import type { MediaService } from './media.service.js';
import { displayName, startedAtFromName } from './names.js';
import { ensureMediaDir } from './storage.js';

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/** Room for the form fields and boundaries around the file when judging a request by its Content-Length. */
const FORM_OVERHEAD_BYTES = 1024 * 1024;

/** Partial uploads older than this were left by a crash: nobody is writing them any more. */
const STALE_PARTIAL_MS = 60 * 60_000;

/** The client an upload belongs to, decided from the form fields sent before `file`. */
export interface UploadTarget {
  companyId: number;
  /** Unset when the client does not exist yet: then `createClient` makes it, once the upload is accepted. */
  clientId?: number;
  createClient?: () => Promise<number>;
}

export interface UploadResult {
  media: MediaRow;
  /** The client already had a media item of that name: nothing was stored. */
  duplicate: boolean;
}

type Received =
  | { kind: 'duplicate'; media: MediaRow }
  | { kind: 'new'; target: UploadTarget; name: string; partial: string; size: number };

const tooLarge = (max: number) =>
  new AppError('too_large', `The upload is larger than the server accepts (${max} bytes, MAX_UPLOAD_BYTES)`, 413);

/**
 * What the multipart parser (busboy) fails on — no boundary, a body cut short, a broken part header — is the
 * sender's malformed body, not a server fault: its errors are bare, with neither a status (limits, ours) nor a
 * system error code (the disk), which stay what they are.
 */
function senderFault(err: unknown): unknown {
  const { statusCode, code } = err as { statusCode?: number; code?: string };
  if (!(err instanceof Error) || err instanceof AppError || statusCode || code) return err;
  return new AppError('bad_multipart', `The multipart body could not be read (${err.message}): send multipart/form-data with its boundary, the fields, then \`file\``, 400);
}

/** The parts of a multipart request; a failure of the parser itself is a 400. */
async function* partsOf(request: FastifyRequest, limits: Record<string, number>): AsyncGenerator<Multipart> {
  const parts = request.parts({ limits })[Symbol.asyncIterator]();
  for (;;) {
    const next = await parts.next().catch((err: unknown) => Promise.reject(senderFault(err)));
    if (next.done) return;
    yield next.value;
  }
}

/** Validates the multipart fields; the message says they must come before the file (that is when they are read). */
export function parseUploadFields<T extends z.ZodType>(schema: T, fields: Record<string, string>): z.infer<T> {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'fields'}: ${i.message}`).join('; ');
  throw badRequest(`Invalid upload fields (send them before \`file\`): ${problems}`);
}

/**
 * Passes bytes through once the first four are the EBML magic (a WebM / Matroska file); otherwise swallows
 * everything, so the upload is read to its end (and the answer reaches the agent) while nothing is written.
 */
class WebmSniffer extends Transform {
  private head = Buffer.alloc(0);
  isWebm: boolean | undefined;
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    if (this.isWebm === false) return done();
    if (this.isWebm === undefined) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < EBML_MAGIC.length) return done();
      this.isWebm = this.head.subarray(0, EBML_MAGIC.length).equals(EBML_MAGIC);
      if (!this.isWebm) return done();
      chunk = this.head;
      this.head = Buffer.alloc(0);
    }
    this.size += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback) {
    this.isWebm ??= false;
    done();
  }
}

/** Reads a stream to its end, discarding it; errors are of no interest any more. */
async function drain(stream: Readable) {
  stream.resume();
  await finished(stream).catch(() => {});
}

interface UploadDeps {
  ctx: AppContext;
  mediaService: MediaService;
  /** Where partial files are written (under DATA_DIR). */
  incomingDir: string;
  /** MAX_UPLOAD_BYTES. */
  max: number;
}

async function receiveFile(
  { ctx, incomingDir, max }: UploadDeps,
  part: MultipartFile,
  fields: Record<string, string>,
  resolveTarget: (fields: Record<string, string>) => Promise<UploadTarget>,
): Promise<Received> {
  try {
    const target = await resolveTarget(fields);
    const name = displayName(part.filename ?? '');
    if (!name) throw badRequest('The file needs a name: it is how the recording is known and kept from being stored twice');
    const existing = target.clientId === undefined ? undefined : await repo.findByName(ctx.db, target.clientId, name);
    if (existing) return { kind: 'duplicate', media: existing };
    await fs.promises.mkdir(incomingDir, { recursive: true });
    // Named by the server, never by the upload: nothing an agent sends becomes part of a path.
    const partial = path.join(incomingDir, `${randomUUID()}.part`);
    const sniffer = new WebmSniffer();
    try {
      await pipeline(part.file, sniffer, fs.createWriteStream(partial, { flags: 'wx' })).catch((err: unknown) => Promise.reject(senderFault(err)));
      if (part.file.truncated) throw tooLarge(max);
      if (!sniffer.isWebm) {
        throw new AppError('unsupported_media_type', 'The file is not a WebM recording (it must start with the EBML magic 1A 45 DF A3)', 415);
      }
    } catch (err) {
      await fs.promises.rm(partial, { force: true });
      throw err;
    }
    return { kind: 'new', target, name, partial, size: sniffer.size };
  } finally {
    // Whatever happened, the rest of the file is read, so the request ends and the answer reaches the agent.
    await drain(part.file);
  }
}


/** Makes the received file a media item and starts finalizing it; the answer does not wait for ffmpeg. */
async function store({ ctx, mediaService }: UploadDeps, received: Extract<Received, { kind: 'new' }>): Promise<UploadResult> {
  const { target, name, partial, size } = received;
  const clientId = target.clientId ?? (await target.createClient?.());
  if (clientId === undefined) throw new Error('an upload target has neither a client nor a way to create one');
  const now = ctx.clock.now();
  let row: MediaRow;
  try {
    row = await repo.insertMedia(ctx.db, {
      company_id: target.companyId,
      client_id: clientId,
      segment_id: `upload_${randomBytes(8).toString('hex')}`,
      original_name: name,
      source: 'upload',
      status: 'processing',
      size,
      has_thumbnail: 0,
      node_id: ctx.config.NODE_ID,
      started_at: startedAtFromName(name, now),
      ended_at: now,
      updated_at: now,
    });
  } catch (err) {
    // The same name uploaded twice at once: the unique (client, name) constraint let one of them in.
    const existing = await repo.findByName(ctx.db, clientId, name);
    if (existing) return { media: existing, duplicate: true };
    throw err;
  }
  try {
    const paths = await ensureMediaDir(ctx.config.DATA_DIR, row);
    await fs.promises.rename(partial, paths.raw);
  } catch (err) {
    await deleteMedia(ctx.db, row.id);
    throw err;
  }
  runInBackground(ctx.log, `finalizing upload ${row.id}`, mediaService.process(row));
  return { media: row, duplicate: false };
}


/** Partial files a crash left behind (a live upload keeps its file's mtime fresh). */
async function removeStalePartials(incomingDir: string) {
  const names = await fs.promises.readdir(incomingDir).catch(() => [] as string[]);
  const now = Date.now();
  for (const name of names.filter((n) => n.endsWith('.part'))) {
    const file = path.join(incomingDir, name);
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (stat && now - stat.mtimeMs > STALE_PARTIAL_MS) await fs.promises.rm(file, { force: true });
  }
}


export type Uploads = ReturnType<typeof createUploads>;

/**
 * Uploads of recordings made offline (PROTOCOL.md §5, §6): the file streams to a partial file under DATA_DIR
 * (never whole in memory), is checked to be WebM and within MAX_UPLOAD_BYTES, and becomes a media item that the
 * live recordings' pipeline finalizes in the background. A name the client already has is not stored again.
 */
/** The disk's guard: uploads are refused while DATA_DIR is short of space, and one that fills it is refused too. */
export interface UploadsDiskGuard {
  requireRoom: () => void;
  writing: <T>(write: () => Promise<T>) => Promise<T>;
}

export function createUploads(ctx: AppContext, mediaService: MediaService, disk: UploadsDiskGuard) {
  const incomingDir = path.join(ctx.config.DATA_DIR, 'media', 'incoming');
  const max = ctx.config.MAX_UPLOAD_BYTES;
  const deps: UploadDeps = { ctx, mediaService, incomingDir, max };

  /**
   * Receives one multipart upload. The fields come first; `resolveTarget` turns them into the client when the
   * `file` part starts, so a duplicate is known before a byte is written.
   */
  async function receive(request: FastifyRequest, resolveTarget: (fields: Record<string, string>) => Promise<UploadTarget>): Promise<UploadResult> {
    if (Number(request.headers['content-length']) > max + FORM_OVERHEAD_BYTES) throw tooLarge(max);
    disk.requireRoom();
    return disk.writing(() => receiveMultipart(request, resolveTarget));
  }

  async function receiveMultipart(request: FastifyRequest, resolveTarget: (fields: Record<string, string>) => Promise<UploadTarget>): Promise<UploadResult> {
    if (!request.isMultipart()) {
      throw new AppError('unsupported_media_type', 'Send the upload as multipart/form-data: the fields, then the recording as `file`', 415);
    }
    const fields: Record<string, string> = {};
    let received: Received | undefined;
    try {
      for await (const part of partsOf(request, { fileSize: max, files: 1, fields: 16, fieldSize: 64 * 1024, parts: 32 })) {
        if (part.type === 'field') {
          fields[part.fieldname] ??= String(part.value);
        } else if (part.fieldname !== 'file') {
          await drain(part.file);
          throw badRequest(`Unexpected file field \`${part.fieldname}\`: send the recording as \`file\``);
        } else {
          received = await receiveFile(deps, part, fields, resolveTarget);
        }
      }
      if (!received) throw badRequest('No `file` part: send the recording as the multipart field `file`, after the other fields');
      return received.kind === 'duplicate' ? { media: received.media, duplicate: true } : await store(deps, received);
    } catch (err) {
      // An agent that went away mid-upload is no server failure: nothing is kept, and nobody hears the answer.
      if (request.raw.readableAborted && !(err instanceof AppError)) {
        throw new AppError('upload_aborted', 'The upload was cut off before it ended: send it again', 400);
      }
      throw err;
    } finally {
      // Removed unless store() moved it into place; rm of a missing file is a no-op.
      if (received?.kind === 'new') await fs.promises.rm(received.partial, { force: true });
    }
  }

  return { receive, removeStalePartials: () => removeStalePartials(incomingDir) };
}
