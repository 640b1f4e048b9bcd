import fs from 'node:fs';
import type { ApiResponse } from '@vaahshare/protocol';
import type { LocalSegment, Spool } from './spool.js';

export interface UploadTarget {
  server: string;
  token: string;
  userHost: string;
  /** This desktop's device secret: the server takes uploads of an enrolled desktop only with it. */
  deviceSecret: () => string | undefined;
}

async function post(target: UploadTarget, route: string, body: FormData | object) {
  const isForm = body instanceof FormData;
  const deviceSecret = target.deviceSecret();
  const res = await fetch(new URL(route, target.server), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${target.token}`,
      ...(deviceSecret && { 'x-device-secret': deviceSecret }),
      ...(isForm ? {} : { 'content-type': 'application/json' }),
    },
    body: isForm ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${route} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

/** The names of `segments` the server already has (`POST /api/media/check`). */
async function namesOnServer(target: UploadTarget, segments: LocalSegment[]): Promise<Set<string>> {
  const body = (await post(target, '/api/media/check', { user_host: target.userHost, media_names: segments.map((s) => s.name) })) as ApiResponse<'POST /api/media/check'>;
  return new Set(body.data.medias.flatMap((m) => [m.original_name, m.name]));
}

async function uploadOne(target: UploadTarget, segment: LocalSegment) {
  const form = new FormData();
  // The server decides the client from the fields, so they go before the file.
  form.append('user_host', target.userHost);
  form.append('file', await fs.openAsBlob(segment.file, { type: 'video/webm' }), `${segment.name}.webm`);
  await post(target, '/api/media/upload', form);
}

/**
 * Sends the recordings kept for upload (made offline, by `record`, or finalized on the server before
 * their end), oldest first. A file is removed once the server stored it or already had it.
 */
export async function uploadPending(target: UploadTarget, spool: Spool, except: string[], log: (line: string) => void) {
  const pending = spool.list(except).filter((s) => s.mode === 'upload');
  if (!pending.length) return;
  const known = await namesOnServer(target, pending);
  for (const segment of pending) {
    if (!known.has(segment.name)) {
      const mb = (fs.statSync(segment.file).size / 1e6).toFixed(1);
      log(`uploading the local recording ${segment.name} (${mb} MB)…`);
      await uploadOne(target, segment);
      log(`uploaded ${segment.name}`);
    }
    spool.remove(segment);
  }
}
