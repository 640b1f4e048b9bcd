import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_CHUNK_BYTES, PROBE_CHUNK_BYTES, SegmentRefused, SegmentUploader, type ByteSource, type FrameReply, type SegmentTransport } from '../src/shared/segment-uploader.js';

/** Bytes held in memory; `finished` once everything was produced. */
function memorySource(bytes: Uint8Array, finished = true): ByteSource {
  return {
    size: () => bytes.length,
    finished: () => finished,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
    changed: async () => undefined,
  };
}

/** A server that stores what it is sent at the offsets it expects, as the real one does. */
function fakeServer(held = 0, script: Partial<Record<'start' | 'send' | 'stop', () => FrameReply | Error | undefined>> = {}) {
  const stored: number[] = new Array(held).fill(-1);
  const calls: string[] = [];
  const transport: SegmentTransport = {
    start: async () => {
      calls.push('start');
      const scripted = script.start?.();
      if (scripted instanceof Error) throw scripted;
      return scripted ?? { ok: true, offset: stored.length };
    },
    send: async (_id, offset, bytes) => {
      calls.push(`send@${offset}`);
      const scripted = script.send?.();
      if (scripted instanceof Error) throw scripted;
      if (scripted) return scripted;
      if (offset !== stored.length) return { ok: false, error: 'wrong_offset', expected_offset: stored.length };
      for (const b of bytes) stored.push(b);
      return { ok: true, offset: stored.length };
    },
    stop: async () => {
      calls.push('stop');
      return { ok: true };
    },
  };
  return { transport, stored, calls };
}

const data = new Uint8Array(MAX_CHUNK_BYTES * 2 + 100).map((_, i) => i % 251);

describe('SegmentUploader', () => {
  test('sends the whole segment in chunks with offsets, then stops it', async () => {
    const server = fakeServer();
    const uploader = new SegmentUploader('seg', 0, memorySource(data));
    assert.equal(await uploader.run(server.transport), 'done');
    assert.deepEqual(server.calls, ['start', 'send@0', `send@${MAX_CHUNK_BYTES}`, `send@${MAX_CHUNK_BYTES * 2}`, 'stop']);
    assert.deepEqual(Uint8Array.from(server.stored), data);
    assert.equal(uploader.acked, data.length);
  });

  test('resumes from what the server already holds (after a reconnect)', async () => {
    const server = fakeServer(MAX_CHUNK_BYTES + 7);
    await new SegmentUploader('seg', 0, memorySource(data)).run(server.transport);
    assert.equal(server.calls[1], `send@${MAX_CHUNK_BYTES + 7}`);
    assert.equal(server.stored.length, data.length);
    assert.deepEqual(Uint8Array.from(server.stored.slice(MAX_CHUNK_BYTES + 7)), data.subarray(MAX_CHUNK_BYTES + 7));
  });

  test('a lost ack: the server holds more than acknowledged, and the uploader goes on from there', async () => {
    const server = fakeServer();
    const uploader = new SegmentUploader('seg', 0, memorySource(data));
    let first = true;
    const flaky: SegmentTransport = {
      ...server.transport,
      send: async (id, offset, bytes) => {
        const reply = await server.transport.send(id, offset, bytes);
        if (first) {
          first = false;
          throw new Error('ack timed out');
        }
        return reply;
      },
    };
    await assert.rejects(uploader.run(flaky), /ack timed out/);
    assert.equal(uploader.acked, 0, 'nothing counted as sent without an ack');
    // The next run (a reconnect) is told the real offset by start-streaming; nothing is sent twice.
    await uploader.run(server.transport);
    assert.deepEqual(Uint8Array.from(server.stored), data);
  });

  test('wrong_offset mid-run: continues at the offset the server expects', async () => {
    const server = fakeServer();
    const lying: SegmentTransport = { ...server.transport, start: async () => ({ ok: true, offset: 0 }) };
    for (const b of data.subarray(0, 1000)) server.stored.push(b);
    await new SegmentUploader('seg', 0, memorySource(data)).run(lying);
    assert.deepEqual(Uint8Array.from(server.stored), data);
    assert.deepEqual(server.calls.slice(0, 3), ['send@0', 'send@1000', `send@${1000 + MAX_CHUNK_BYTES}`]);
  });

  test('storage_full: the same bytes go again on the same connection once the server has room, none skipped', async () => {
    let refusals = 3;
    const server = fakeServer(0, { send: () => (refusals-- > 0 ? { ok: false, error: 'storage_full', message: 'disk low', retry_after_ms: 1 } : undefined) });
    const told: boolean[] = [];
    await new SegmentUploader('seg', 0, memorySource(data), undefined, (full) => told.push(full)).run(server.transport);
    assert.deepEqual(Uint8Array.from(server.stored), data);
    assert.deepEqual(server.calls.slice(0, 5), ['start', 'send@0', 'send@0', 'send@0', 'send@0'], 'no reconnect (start), no offset skipped');
    assert.deepEqual(server.calls.slice(5, 7), [`send@${PROBE_CHUNK_BYTES}`, `send@${PROBE_CHUNK_BYTES + MAX_CHUNK_BYTES}`], 'a small try until one is taken, then whole chunks');
    assert.deepEqual(told, [true, false], 'held once, then taken again');
  });

  test('rate_limited and backlog_full (the server\'s limits of a connection): the same bytes go again after retry_after_ms', async () => {
    const refusals = [
      { ok: false, error: 'rate_limited', message: 'too many', retry_after_ms: 1 },
      { ok: false, error: 'backlog_full', message: 'still writing', retry_after_ms: 1 },
    ];
    const server = fakeServer(0, { send: () => refusals.shift() });
    const told: boolean[] = [];
    assert.equal(await new SegmentUploader('seg', 0, memorySource(data), undefined, (full) => told.push(full)).run(server.transport), 'done');
    assert.deepEqual(Uint8Array.from(server.stored), data, 'nothing lost, nothing twice');
    assert.deepEqual(server.calls.slice(0, 4), ['start', 'send@0', 'send@0', 'send@0'], 'no reconnect, no offset skipped');
    assert.deepEqual(told, [], 'not taken for a full disk');
  });

  test('a finalized segment is refused for good (SegmentRefused), other refusals are errors to retry', async () => {
    const finalized = fakeServer(0, { start: () => ({ ok: false, error: 'segment_finalized', message: 'already finalized' }) });
    await assert.rejects(new SegmentUploader('seg', 0, memorySource(data)).run(finalized.transport), (err) => err instanceof SegmentRefused && err.code === 'segment_finalized');
    const busy = fakeServer(0, { send: () => ({ ok: false, error: 'internal_error', message: 'try again' }) });
    await assert.rejects(new SegmentUploader('seg', 0, memorySource(data)).run(busy.transport), (err) => !(err instanceof SegmentRefused) && /internal_error/.test(String(err)));
  });

  test('a source still growing is not stopped; cancelling ends the run without stop-streaming', async () => {
    const server = fakeServer();
    let cancelled = false;
    const source = { ...memorySource(data, false), changed: async () => void (cancelled = true) };
    assert.equal(await new SegmentUploader('seg', 0, source).run(server.transport, () => cancelled), 'cancelled');
    assert.ok(!server.calls.includes('stop'));
    assert.equal(server.stored.length, data.length);
  });

  test('the first frame waits until it can hold the WebM magic (MediaRecorder may hand over one byte first)', async () => {
    const server = fakeServer();
    const bytes = [Uint8Array.of(0x1a)];
    const growing: ByteSource = {
      size: () => bytes.reduce((n, b) => n + b.length, 0),
      finished: () => bytes.length > 1,
      read: async (offset, length) => Uint8Array.from(bytes.flatMap((b) => [...b])).subarray(offset, offset + length),
      changed: async () => void bytes.push(Uint8Array.of(0x45, 0xdf, 0xa3, 0x9f)),
    };
    await new SegmentUploader('seg', 0, growing).run(server.transport);
    assert.deepEqual(server.calls, ['start', 'send@0', 'stop'], 'one first frame with all five bytes');
    assert.deepEqual(server.stored, [0x1a, 0x45, 0xdf, 0xa3, 0x9f]);
  });
});
