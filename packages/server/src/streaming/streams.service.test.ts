import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { ClientRow, MediaRow } from '../db/schema.js';
import { createDomainEvents } from '../events/domain-events.js';
import { fakeBroadcast, mediaRow } from '../test/fakes.js';
import { tempDir } from '@vaahshare/testkit';
import { chunks, makeWebm } from '@vaahshare/testkit/webm';
import { SegmentWrites } from './segment-writes.js';
import type { SegmentsRepository } from './segments.repository.js';
import { createStreams, type StreamingConnection, type Streams } from './streams.service.js';

const NOW = 1_700_000_000_000;
const connection = (clientId: number, legacy = false): StreamingConnection => ({ clientId, generation: 1, companyId: 3, userHost: `u${clientId}@pc`, legacy });

/** The media table and the clients' streaming flags in memory, with the guards the real queries have. */
function memoryRepository(nodeId: string) {
  const rows = new Map<number, MediaRow>();
  let nextId = 1;
  const repository: SegmentsRepository = {
    find: async (companyId, segmentId) => [...rows.values()].find((r) => r.company_id === companyId && r.segment_id === segmentId),
    insert: async (row) => {
      const stored = mediaRow({ ...row, id: nextId++, duration_ms: null, error: null, ended_at: null });
      rows.set(stored.id, stored);
      return stored;
    },
    takeOver: async (id, node) => {
      const row = rows.get(id);
      if (row?.status !== 'recording') return undefined;
      row.node_id = node;
      return { ...row };
    },
    updateReceived: async (sizes) => sizes.forEach(({ id, size }) => (rows.get(id)!.size = size)),
    stillHeldBy: async (ids) => new Set(ids.filter((id) => rows.get(id)?.node_id === nodeId && rows.get(id)?.status === 'recording')),
    abandoned: async () => [...rows.values()].filter((r) => r.status === 'recording' && r.client_id >= 100),
    setStreaming: async (clientId, _generation, streaming) =>
      ({ id: clientId, company_id: 3, group_id: 9, user_host: `u${clientId}@pc`, is_streaming: streaming ? 1 : 0, meta: '{}' }) as ClientRow,
  };
  return { rows, repository };
}

/** The streams rules alone: fake repository, broadcast and clock; real files in a temporary directory. */
describe('streams service', () => {
  const dirs: string[] = [];
  let webm: Buffer;
  let streams: Streams;
  let rows: Map<number, MediaRow>;
  let broadcast: ReturnType<typeof fakeBroadcast>;
  let heard: string[];
  let watched: Set<number>;

  before(async () => {
    webm = await makeWebm({ seconds: 1, fps: 10, gop: 5 });
  });
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  beforeEach(async () => {
    await streams?.closeAll();
    // Media ids start again at 1: each test's files go to a directory of their own.
    const dataDir = tempDir();
    dirs.push(dataDir);
    const memory = memoryRepository('n1');
    rows = memory.rows;
    broadcast = fakeBroadcast();
    heard = [];
    watched = new Set();
    const events = createDomainEvents((event, err) => assert.fail(`${event}: ${String(err)}`));
    events.on('segment-opened', ({ mediaId }) => void heard.push(`opened ${mediaId}`));
    events.on('segment-closed', ({ mediaId }) => void heard.push(`closed ${mediaId}`));
    streams = createStreams({
      broadcast,
      clock: { now: () => NOW },
      repository: memory.repository,
      events,
      viewers: { watched: (clientId) => watched.has(clientId) },
      dataDir,
      nodeId: 'n1',
      fsyncMs: 1000,
      writes: new SegmentWrites(),
    });
  });

  const sent = () => broadcast.sent.map(({ to, event }) => `${to}: ${event}`);

  test('a new segment is stored, announced to the company, and its bytes written at their offsets', async () => {
    const started = await streams.start(connection(1), 'cam-1');
    assert.deepEqual(started, { segment_id: 'cam-1', offset: 0 });
    assert.equal(rows.get(1)?.status, 'recording');
    let offset = 0;
    for (const chunk of chunks(webm, 4096)) offset = await streams.frame(connection(1), { buffer: chunk, segment_id: 'cam-1', offset });
    assert.equal(offset, webm.length);
    assert.deepEqual(heard, ['opened 1']);
    // Nobody watches: only the header goes out, for a viewer whose arrival is still on its way.
    assert.deepEqual(sent(), ['group 9 of company 3: start-streaming', 'watchers of 1: stream-init']);
  });

  test('frames reach the watchers only while someone watches', async () => {
    await streams.start(connection(1), 'cam-1');
    const [first, second, third] = chunks(webm, Math.ceil(webm.length / 3));
    await streams.frame(connection(1), { buffer: first });
    watched.add(1);
    await streams.frame(connection(1), { buffer: second });
    watched.delete(1);
    await streams.frame(connection(1), { buffer: third });
    assert.equal(sent().filter((s) => s === 'watchers of 1: video-frame').length, 1);
  });

  test('a frame at the wrong offset, of another segment or not WebM is refused and changes nothing', async () => {
    await streams.start(connection(1), 'cam-1');
    await assert.rejects(streams.frame(connection(1), { buffer: webm.subarray(0, 10), offset: 5 }), { code: 'wrong_offset', details: { expected_offset: 0 } });
    await assert.rejects(streams.frame(connection(1), { buffer: webm.subarray(0, 10), segment_id: 'other' }), { code: 'no_segment' });
    await assert.rejects(streams.frame(connection(1), { buffer: Buffer.from('not a video') }), { code: 'not_webm' });
    assert.equal(await streams.frame(connection(1), { buffer: webm.subarray(0, 10), offset: 0 }), 10);
  });

  test('stopping announces it and closes the segment for finalizing; a second stop is refused', async () => {
    await streams.start(connection(1), 'cam-1');
    await streams.frame(connection(1), { buffer: webm });
    await streams.stop(connection(1), 'cam-1');
    assert.deepEqual(heard, ['opened 1', 'closed 1']);
    assert.ok(sent().includes('group 9 of company 3: stop-streaming'));
    assert.equal(streams.isOpen(1), false);
    await assert.rejects(streams.stop(connection(1), 'cam-1'), { code: 'no_segment' });
  });

  test('a resumed segment goes on from its stored bytes; another client\'s segment id is refused', async () => {
    await streams.start(connection(1), 'cam-1');
    await streams.frame(connection(1), { buffer: webm.subarray(0, 5000) });
    assert.deepEqual(await streams.start(connection(1), 'cam-1'), { segment_id: 'cam-1', offset: 5000 });
    await assert.rejects(streams.start(connection(2), 'cam-1'), { code: 'segment_taken' });
    assert.deepEqual(heard, ['opened 1', 'opened 1']);
  });

  test('a legacy client starts afresh each time: what it had open is closed first', async () => {
    await streams.start(connection(1, true), undefined);
    await streams.frame(connection(1, true), { buffer: webm });
    await streams.start(connection(1, true), undefined);
    assert.deepEqual(heard, ['opened 1', 'closed 1', 'opened 2']);
  });

  test('a client gone for good has its open segment closed for finalizing', async () => {
    await streams.start(connection(1), 'cam-1');
    await streams.clientGone(1);
    await streams.clientGone(1);
    assert.deepEqual(heard, ['opened 1', 'closed 1']);
  });

  test('the sweep stores sizes, lets go of segments another node took, and closes abandoned ones', async () => {
    await streams.start(connection(1), 'cam-1');
    await streams.frame(connection(1), { buffer: webm });
    await streams.start(connection(100), 'gone-1');
    rows.set(99, mediaRow({ id: 99, client_id: 101, segment_id: 'elsewhere', node_id: 'n2' }));
    await streams.start(connection(2), 'cam-2');
    rows.get(3)!.node_id = 'n2';
    await streams.sweep();
    assert.equal(rows.get(1)?.size, webm.length);
    assert.equal(streams.isOpen(2), false, 'moved to another node');
    assert.equal(streams.isOpen(100), false, 'its client is gone');
    assert.deepEqual(heard.filter((h) => h.startsWith('closed')), ['closed 2', 'closed 99']);
  });
});
