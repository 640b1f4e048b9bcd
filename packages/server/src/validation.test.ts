import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from './db/schema.js';
import {
  AGENT_TOKEN,
  api,
  connectAgent,
  connectDashboard,
  connected,
  login,
  machineInfo,
  openSocket,
  roundTrip,
  startServer,
  tempDir,
  waitUntil,
  type TestServer,
  type TestSocket,
} from '@vaahshare/testkit';
import { handshakeRefusal, http, rowCount, untyped } from '@vaahshare/testkit/probes';
import { makeWebm } from '@vaahshare/testkit/webm';
import { USER_HOST_RULE } from '@vaahshare/protocol';

/** The default MAX_FRAME_BYTES; packets up to twice that are read (and refused), larger ones close the transport. */
const MAX_FRAME = 4 * 1024 * 1024;
const EBML = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
const FIRST = 'Send client-connected first';
const TABLES = ['companies', 'users', 'sessions', 'enrollment_tokens', 'clients', 'presence_events', 'alerts', 'media'] as const;

async function counts(t: TestServer): Promise<Record<(typeof TABLES)[number], number>> {
  const entries = await Promise.all(TABLES.map(async (table) => [table, await rowCount(t, table as keyof Database)] as const));
  return Object.fromEntries(entries) as Record<(typeof TABLES)[number], number>;
}

function walkFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walkFiles(full) : [full];
  });
}

/** Every file under `root` must be in `dataDir`, and every media file is named by numeric ids only. */
function assertFilesStayInDataDir(root: string, dataDir: string) {
  const files = walkFiles(root);
  assert.deepEqual(files.filter((f) => !f.startsWith(dataDir + path.sep)), [], 'no file outside DATA_DIR');
  for (const file of files) {
    assert.match(
      path.relative(dataDir, file),
      /^(vaahshare\.sqlite(-wal|-shm)?|media\/\d+\/\d+\/\d+\.(raw\.webm|webm|webm\.part|jpg))$/,
      'a file the server names itself',
    );
  }
  for (const escaped of ['../../x', '../x', 'x', 'media/x']) assert.ok(!fs.existsSync(path.resolve(dataDir, escaped)), escaped);
}

interface SocketCase {
  what: string;
  event: string;
  args: unknown[];
  error: string;
  message: string;
}

/** Sends each case twice — with an ack (expects `{ ok: false, error, message }`) and without (expects an `error` event) — and lists every mismatch. */
async function expectSocketErrors(socket: TestSocket, cases: SocketCase[]): Promise<void> {
  const raw = untyped(socket);
  const errors: unknown[] = [];
  raw.on('error', (e: unknown) => errors.push(e));
  const mismatches: string[] = [];
  for (const c of cases) {
    const label = `${c.event} ${c.what}`;
    const reply = await raw.timeout(5000).emitWithAck(c.event, ...c.args);
    const wanted = { ok: false, error: c.error, message: c.message };
    try {
      assert.deepEqual(reply, wanted);
    } catch {
      mismatches.push(`${label} (ack): got ${JSON.stringify(reply).slice(0, 300)}`);
    }
    const seen = errors.length;
    raw.emit(c.event, ...c.args);
    try {
      await waitUntil(() => errors.length > seen, 5000, `error event for ${label}`);
      assert.deepEqual(errors[seen], { error: c.error, message: c.message, event: c.event });
    } catch {
      mismatches.push(`${label} (no ack): got ${JSON.stringify(errors[seen]).slice(0, 300)}`);
    }
  }
  raw.off('error');
  assert.deepEqual(mismatches, []);
}

const invalid = (event: string, problem: string) => `Invalid ${event} payload: ${problem}`;
/** Identities that are not `username@hostname` (PROTOCOL.md §8.10): paths, control and invisible characters, halves. */
const HOSTILE_USER_HOSTS = ['../../x', '..\\..\\x', '/etc/passwd', 'media/../../../x', '..@desk', 'ana/../x@desk', 'ana@desk/../x', 'ana\u0000@desk', 'an\u0007a@desk', 'ana\u001b[2J@desk', 'ana\u200b@desk', 'ana@', '@desk', 'ana', 'ana@desk@x', 'ana@de sk'];
const huge = 'x'.repeat(1_000_000);
const UNLIMITED_EVENTS = { AGENT_CONNECTS_PER_MINUTE: '100000', AGENT_ALERTS_PER_MINUTE: '100000', AGENT_EVENTS_PER_MINUTE: '100000' };
const nested = { deep: { deeper: [1, { x: null, y: [[[]]] }], fn: 'function(){}' } };

describe('bad input on agent sockets', () => {
  let root: string;
  let t: TestServer;
  let token: string;
  let dashboard: Awaited<ReturnType<typeof connectDashboard>>;
  let agent: Awaited<ReturnType<typeof connectAgent>>;
  /** Connected with a valid token, but never sent client-connected. */
  let fresh: TestSocket;
  let baseline: Awaited<ReturnType<typeof counts>>;

  before(async () => {
    root = tempDir('vaahshare-validation-');
    // Hundreds of bad events on one socket: the per-socket rate limits (tested in limits/) would refuse them first.
    t = await startServer({ DATA_DIR: path.join(root, 'a', 'b', 'data'), LEGACY_AGENTS: 'true', ...UNLIMITED_EVENTS });
    token = await login(t.url);
    dashboard = await connectDashboard(t.url, token);
    agent = await connectAgent(t.url, 'valid@agent');
    fresh = openSocket(t.url);
    await connected(fresh);
    await waitUntil(() => dashboard.events.length === 1, 2000, 'the valid agent announced');
    baseline = await counts(t);
  });
  after(async () => {
    for (const s of [dashboard?.socket, agent?.socket, fresh]) s?.disconnect();
    await t.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('client-connected with malformed payloads is refused with the problem named', async () => {
    const cc = (problem: string) => invalid('client-connected', problem);
    const mi = (info: Record<string, unknown>) => [{ machine_info: info }];
    await expectSocketErrors(fresh, [
      { what: 'without payload', event: 'client-connected', args: [], error: 'bad_request', message: cc('Invalid input: expected object, received undefined') },
      { what: 'null', event: 'client-connected', args: [null], error: 'bad_request', message: cc('Invalid input: expected object, received null') },
      { what: 'a number', event: 'client-connected', args: [42], error: 'bad_request', message: cc('Invalid input: expected object, received number') },
      { what: 'a string', event: 'client-connected', args: ['ana@desk'], error: 'bad_request', message: cc('Invalid input: expected object, received string') },
      { what: 'a 1 MB string', event: 'client-connected', args: [huge], error: 'bad_request', message: cc('Invalid input: expected object, received string') },
      { what: 'an array', event: 'client-connected', args: [[machineInfo('ana@desk')]], error: 'bad_request', message: cc('Invalid input: expected object, received array') },
      { what: 'a boolean', event: 'client-connected', args: [true], error: 'bad_request', message: cc('Invalid input: expected object, received boolean') },
      { what: 'binary', event: 'client-connected', args: [Buffer.from('ana@desk')], error: 'bad_request', message: cc('machine_info: Invalid input: expected object, received undefined') },
      { what: 'no machine_info', event: 'client-connected', args: [{}], error: 'bad_request', message: cc('machine_info: Invalid input: expected object, received undefined') },
      { what: 'machine_info null', event: 'client-connected', args: [{ machine_info: null }], error: 'bad_request', message: cc('machine_info: Invalid input: expected object, received null') },
      { what: 'machine_info a string', event: 'client-connected', args: [{ machine_info: 'ana@desk' }], error: 'bad_request', message: cc('machine_info: Invalid input: expected object, received string') },
      { what: 'machine_info an array', event: 'client-connected', args: [{ machine_info: [1, 2] }], error: 'bad_request', message: cc('machine_info: Invalid input: expected object, received array') },
      { what: 'no user_host', event: 'client-connected', args: mi({}), error: 'bad_request', message: cc('machine_info.user_host: Invalid input: expected string, received undefined') },
      { what: 'user_host a number', event: 'client-connected', args: mi({ user_host: 42 }), error: 'bad_request', message: cc('machine_info.user_host: Invalid input: expected string, received number') },
      { what: 'user_host an array', event: 'client-connected', args: mi({ user_host: ['ana@desk'] }), error: 'bad_request', message: cc('machine_info.user_host: Invalid input: expected string, received array') },
      { what: 'user_host nested junk', event: 'client-connected', args: mi({ user_host: nested }), error: 'bad_request', message: cc('machine_info.user_host: Invalid input: expected string, received object') },
      { what: 'user_host empty', event: 'client-connected', args: mi({ user_host: '' }), error: 'bad_request', message: cc('machine_info.user_host: Too small: expected string to have >=1 characters') },
      { what: 'user_host blank', event: 'client-connected', args: mi({ user_host: '  \t ' }), error: 'bad_request', message: cc('machine_info.user_host: Too small: expected string to have >=1 characters') },
      { what: 'user_host of 10 000 chars', event: 'client-connected', args: mi({ user_host: 'u'.repeat(10_000) }), error: 'bad_request', message: cc('machine_info.user_host: Too big: expected string to have <=255 characters') },
      ...HOSTILE_USER_HOSTS.map((userHost) => ({
        what: `user_host ${JSON.stringify(userHost)}`,
        event: 'client-connected',
        args: mi({ user_host: userHost }),
        error: 'bad_request',
        message: cc(`machine_info.user_host: ${USER_HOST_RULE}`),
      })),
      { what: 'platform of 100 000 chars', event: 'client-connected', args: mi({ user_host: 'ana@desk', platform: 'p'.repeat(100_000) }), error: 'bad_request', message: cc('machine_info.platform: Too big: expected string to have <=64 characters') },
      {
        what: 'other fields of wrong types',
        event: 'client-connected',
        args: mi({ user_host: 'ana@desk', username: 5, hostname: {} }),
        error: 'bad_request',
        message: cc('machine_info.username: Invalid input: expected string, received number; machine_info.hostname: Invalid input: expected string, received object'),
      },
      { what: 'company_id not a number', event: 'client-connected', args: [{ machine_info: machineInfo('ana@desk'), company_id: 'abc' }], error: 'bad_request', message: cc('company_id: company_id must be a whole number or a string of digits') },
      { what: 'company_id an object', event: 'client-connected', args: [{ machine_info: machineInfo('ana@desk'), company_id: {} }], error: 'bad_request', message: cc('company_id: company_id must be a whole number or a string of digits') },
      { what: 'company_id negative', event: 'client-connected', args: [{ machine_info: machineInfo('ana@desk'), company_id: -1 }], error: 'bad_request', message: cc('company_id: Too small: expected number to be >0') },
      { what: 'company_id beyond the ids', event: 'client-connected', args: [{ machine_info: machineInfo('ana@desk'), company_id: '3000000000' }], error: 'bad_request', message: cc('company_id: Too big: expected number to be <=2147483647') },
    ]);
  });

  test('events that need client-connected first are refused before it, whatever their payload', async () => {
    await expectSocketErrors(fresh, [
      { what: 'without payload', event: 'app-closed', args: [], error: 'bad_request', message: FIRST },
      { what: 'null', event: 'app-closed', args: [null], error: 'bad_request', message: FIRST },
      { what: 'a number', event: 'app-closed', args: [42], error: 'bad_request', message: FIRST },
      { what: 'a 1 MB string', event: 'app-closed', args: [huge], error: 'bad_request', message: FIRST },
      { what: 'nested junk', event: 'app-closed', args: [nested], error: 'bad_request', message: FIRST },
      { what: 'a valid alert', event: 'alert', args: [{ type: 'idle', idle_seconds: 60 }], error: 'bad_request', message: FIRST },
      { what: 'a valid start', event: 'start-streaming', args: [{}], error: 'bad_request', message: FIRST },
      { what: 'a valid frame', event: 'video-frame', args: [{ buffer: EBML }], error: 'bad_request', message: FIRST },
      { what: 'without payload', event: 'stop-streaming', args: [], error: 'bad_request', message: FIRST },
    ]);
  });

  test('alert with malformed payloads is refused with the problem named', async () => {
    const al = (problem: string) => invalid('alert', problem);
    await expectSocketErrors(agent.socket, [
      { what: 'without payload', event: 'alert', args: [], error: 'bad_request', message: al('Invalid input: expected object, received undefined') },
      { what: 'null', event: 'alert', args: [null], error: 'bad_request', message: al('Invalid input: expected object, received null') },
      { what: 'a number', event: 'alert', args: [60], error: 'bad_request', message: al('Invalid input: expected object, received number') },
      { what: 'a string', event: 'alert', args: ['idle'], error: 'bad_request', message: al('Invalid input: expected object, received string') },
      { what: 'an array', event: 'alert', args: [[{ type: 'idle', idle_seconds: 60 }]], error: 'bad_request', message: al('Invalid input: expected object, received array') },
      { what: 'empty', event: 'alert', args: [{}], error: 'bad_request', message: al('type: Invalid input: expected "idle"; idle_seconds: Invalid input: expected number, received undefined') },
      { what: 'another type', event: 'alert', args: [{ type: 'busy', idle_seconds: 60 }], error: 'bad_request', message: al('type: Invalid input: expected "idle"') },
      { what: 'a huge type', event: 'alert', args: [{ type: 'i'.repeat(100_000), idle_seconds: 60 }], error: 'bad_request', message: al('type: Invalid input: expected "idle"') },
      { what: 'no idle_seconds', event: 'alert', args: [{ type: 'idle' }], error: 'bad_request', message: al('idle_seconds: Invalid input: expected number, received undefined') },
      { what: 'idle_seconds a string', event: 'alert', args: [{ type: 'idle', idle_seconds: '60' }], error: 'bad_request', message: al('idle_seconds: Invalid input: expected number, received string') },
      { what: 'idle_seconds NaN (null on the wire)', event: 'alert', args: [{ type: 'idle', idle_seconds: NaN }], error: 'bad_request', message: al('idle_seconds: Invalid input: expected number, received null') },
      { what: 'idle_seconds nested', event: 'alert', args: [{ type: 'idle', idle_seconds: nested }], error: 'bad_request', message: al('idle_seconds: Invalid input: expected number, received object') },
      { what: 'idle_seconds negative', event: 'alert', args: [{ type: 'idle', idle_seconds: -1 }], error: 'bad_request', message: al('idle_seconds: Too small: expected number to be >=0') },
      { what: 'idle_seconds absurd', event: 'alert', args: [{ type: 'idle', idle_seconds: 1e12 }], error: 'bad_request', message: al('idle_seconds: Too big: expected number to be <=315360000') },
    ]);
  });

  test('start-streaming, video-frame and stop-streaming with malformed payloads are refused with the problem named', async () => {
    const ss = (problem: string) => invalid('start-streaming', problem);
    const vf = (problem: string) => invalid('video-frame', problem);
    const badSegment = 'segment_id: segment_id must be 1-64 of A-Za-z0-9_-';
    await expectSocketErrors(agent.socket, [
      { what: 'without payload', event: 'start-streaming', args: [], error: 'bad_request', message: ss('Invalid input: expected object, received undefined') },
      { what: 'null', event: 'start-streaming', args: [null], error: 'bad_request', message: ss('Invalid input: expected object, received null') },
      { what: 'a number', event: 'start-streaming', args: [42], error: 'bad_request', message: ss('Invalid input: expected object, received number') },
      { what: 'an array', event: 'start-streaming', args: [[1]], error: 'bad_request', message: ss('Invalid input: expected object, received array') },
      { what: 'a path as segment_id', event: 'start-streaming', args: [{ segment_id: '../../x' }], error: 'bad_request', message: ss(badSegment) },
      { what: 'a slash in segment_id', event: 'start-streaming', args: [{ segment_id: 'seg/1' }], error: 'bad_request', message: ss(badSegment) },
      { what: 'an empty segment_id', event: 'start-streaming', args: [{ segment_id: '' }], error: 'bad_request', message: ss(badSegment) },
      { what: 'a 65-char segment_id', event: 'start-streaming', args: [{ segment_id: 's'.repeat(65) }], error: 'bad_request', message: ss(badSegment) },
      { what: 'a NUL in segment_id', event: 'start-streaming', args: [{ segment_id: 'seg\u0000' }], error: 'bad_request', message: ss(badSegment) },
      { what: 'a numeric segment_id', event: 'start-streaming', args: [{ segment_id: 42 }], error: 'bad_request', message: ss('segment_id: Invalid input: expected string, received number') },
      { what: 'start_time an object', event: 'start-streaming', args: [{ start_time: nested }], error: 'bad_request', message: ss('start_time: start_time must be a number or a string') },

      { what: 'without payload', event: 'video-frame', args: [], error: 'bad_request', message: vf('Invalid input: expected object, received undefined') },
      { what: 'null', event: 'video-frame', args: [null], error: 'bad_request', message: vf('Invalid input: expected object, received null') },
      { what: 'bare bytes', event: 'video-frame', args: [EBML], error: 'bad_request', message: vf('send { buffer: <bytes> }, not bare bytes') },
      { what: 'a string', event: 'video-frame', args: ['GkXfow=='], error: 'bad_request', message: vf('Invalid input: expected object, received string') },
      { what: 'no buffer', event: 'video-frame', args: [{}], error: 'bad_request', message: vf('buffer: buffer must be binary') },
      { what: 'a base64 buffer', event: 'video-frame', args: [{ buffer: 'GkXfow==' }], error: 'bad_request', message: vf('buffer: buffer must be binary') },
      { what: 'a number array buffer', event: 'video-frame', args: [{ buffer: [26, 69, 223, 163] }], error: 'bad_request', message: vf('buffer: buffer must be binary') },
      { what: 'a JSON Buffer', event: 'video-frame', args: [{ buffer: { type: 'Buffer', data: [26] } }], error: 'bad_request', message: vf('buffer: buffer must be binary') },
      { what: 'a path as segment_id', event: 'video-frame', args: [{ buffer: EBML, segment_id: '../../x' }], error: 'bad_request', message: vf(badSegment) },
      { what: 'a negative offset', event: 'video-frame', args: [{ buffer: EBML, offset: -1 }], error: 'bad_request', message: vf('offset: Too small: expected number to be >=0') },
      { what: 'a fractional offset', event: 'video-frame', args: [{ buffer: EBML, offset: 1.5 }], error: 'bad_request', message: vf('offset: Invalid input: expected int, received number') },
      { what: 'a string offset', event: 'video-frame', args: [{ buffer: EBML, offset: '0' }], error: 'bad_request', message: vf('offset: Invalid input: expected number, received string') },
      { what: 'an empty buffer', event: 'video-frame', args: [{ buffer: Buffer.alloc(0) }], error: 'bad_request', message: vf('buffer is empty') },
      { what: 'a frame over MAX_FRAME_BYTES', event: 'video-frame', args: [{ buffer: Buffer.alloc(MAX_FRAME + 1) }], error: 'too_large', message: `A frame may hold at most ${MAX_FRAME} bytes: send smaller chunks` },
      { what: 'a frame with no open segment', event: 'video-frame', args: [{ buffer: EBML }], error: 'no_segment', message: 'No open segment: send start-streaming first' },

      { what: 'a path as segment_id', event: 'stop-streaming', args: [{ segment_id: '../../x' }], error: 'bad_request', message: invalid('stop-streaming', badSegment) },
      { what: 'a numeric segment_id', event: 'stop-streaming', args: [{ segment_id: 42 }], error: 'bad_request', message: invalid('stop-streaming', 'segment_id: Invalid input: expected string, received number') },
      { what: 'an unknown segment', event: 'stop-streaming', args: [{ segment_id: 'never-opened' }], error: 'no_segment', message: 'Segment never-opened is not open' },
      { what: 'null, with nothing open', event: 'stop-streaming', args: [null], error: 'no_segment', message: 'No open segment to stop' },
      { what: 'a 1 MB string, with nothing open', event: 'stop-streaming', args: [huge], error: 'no_segment', message: 'No open segment to stop' },
    ]);
  });

  test('unknown event names are answered with unknown_event, from agents and dashboards alike', async () => {
    const unknown = (event: string, args: unknown[] = [{ a: 1 }]): SocketCase => ({
      what: 'unknown',
      event,
      args,
      error: 'unknown_event',
      message: `Unknown event ${event.slice(0, 64)}`,
    });
    const names = ['no-such-event', 'constructor', '__proto__', 'hasOwnProperty', 'toString', 'client-connected-success', 'watch', 'n'.repeat(10_000)];
    await expectSocketErrors(agent.socket, names.map((n) => unknown(n)));
    await expectSocketErrors(fresh, [unknown('no-such-event', []), unknown('__proto__', [null])]);
    // A dashboard cannot pose as an agent: agent events are unknown on its socket.
    await expectSocketErrors(dashboard.socket, [
      unknown('client-connected', [{ machine_info: machineInfo('mole@dashboard') }]),
      unknown('alert', [{ type: 'idle', idle_seconds: 60 }]),
      unknown('app-closed', []),
      unknown('start-streaming', [{}]),
    ]);
  });

  test('a flood of bad events is answered one by one; junk packets close only their own connection', async () => {
    const flood = openSocket(t.url);
    await connected(flood);
    const errors: Array<{ event: string }> = [];
    untyped(flood).on('error', (e: { event: string }) => errors.push(e));
    for (let i = 0; i < 300; i++) untyped(flood).emit(i % 2 ? 'alert' : 'client-connected', i % 3 ? null : { junk: i });
    await waitUntil(() => errors.length === 300, 10_000, '300 error events');
    assert.deepEqual(errors.map((e) => e.event), Array.from({ length: 300 }, (_, i) => (i % 2 ? 'alert' : 'client-connected')));
    assert.ok(flood.connected, 'bad events do not cost the connection');
    flood.disconnect();

    // A packet that is not Socket.IO at all, and one far over the size limit, close that transport only.
    for (const write of [
      (s: TestSocket) => (s.io as unknown as { engine: { write: (m: string) => void } }).engine.write('2["client-connected",{'),
      (s: TestSocket) => untyped(s).emit('video-frame', { buffer: Buffer.alloc(2 * MAX_FRAME + 1) }),
    ]) {
      const victim = openSocket(t.url);
      await connected(victim);
      const gone = new Promise<string>((resolve) => victim.once('disconnect', resolve));
      write(victim);
      assert.equal(await gone, 'transport close');
    }
    assert.ok(agent.socket.connected && fresh.connected && dashboard.socket.connected, 'the other sockets stay');
  });

  test('after all of it: the process is alive, nothing was stored, no file was written, and valid events still work', async () => {
    // Whatever the hostile events had the server announce has reached the dashboard by now.
    await roundTrip(dashboard.socket);
    const health = await http(t.url, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body.ok, true);
    assert.deepEqual(await counts(t), baseline);
    assert.deepEqual(dashboard.events.map((e) => [e.event, e.client.user_host]), [['client-connected', 'valid@agent']]);
    assertFilesStayInDataDir(root, t.dataDir);
    assert.ok(!fs.existsSync(path.join(t.dataDir, 'media')), 'no media directory: nothing was recorded');

    const reply = await agent.socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 60 });
    assert.equal(reply.ok, true);
    const hello = await fresh.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo('late@starter') });
    assert.equal(hello.ok, true);
    assert.deepEqual(await counts(t), { ...baseline, alerts: baseline.alerts + 1, clients: baseline.clients + 1, presence_events: baseline.presence_events + 1 });
  });

  test('user_hosts that are not username@hostname are refused; odd but valid ones are only names, stored by numeric ids', async () => {
    const before = await counts(t);
    for (const userHost of HOSTILE_USER_HOSTS) {
      const check = await http(t.url, 'POST', '/api/media/check', { token: AGENT_TOKEN, body: JSON.stringify({ user_host: userHost, media_names: ['a'] }), headers: { 'content-type': 'application/json' } });
      assert.deepEqual([check.status, check.body], [400, { error: 'bad_request', message: `Invalid body: user_host: ${USER_HOST_RULE}` }], userHost);
    }
    assert.deepEqual(await counts(t), before, 'nothing stored for a refused identity');

    const webm = await makeWebm({ seconds: 1 });
    const ids: number[] = [];
    for (const userHost of ['Jane Doe@DESKTOP-17', 'jürgen@büro.local', '.x@desk']) {
      const { socket, client } = await connectAgent(t.url, userHost);
      assert.equal(client.user_host, userHost);
      const start = await socket.timeout(5000).emitWithAck('start-streaming', {});
      assert.ok(start.ok, JSON.stringify(start));
      const frame = await socket.timeout(5000).emitWithAck('video-frame', { buffer: webm });
      assert.ok(frame.ok && frame.offset === webm.length, JSON.stringify(frame));
      const stop = await socket.timeout(5000).emitWithAck('stop-streaming', {});
      assert.ok(stop.ok);
      socket.disconnect();
      ids.push(client.id);
    }
    await waitUntil(
      async () => {
        const rows = await t.server.ctx.db.selectFrom('media').select('status').where('client_id', 'in', ids).execute();
        return rows.length === ids.length && rows.every((r) => r.status === 'ready' || r.status === 'error');
      },
      15_000,
      'recordings finalized',
    );
    assertFilesStayInDataDir(root, t.dataDir);
    const media = walkFiles(path.join(t.dataDir, 'media'));
    assert.ok(media.length >= ids.length, `the recordings are on disk: ${media.join(', ')}`);
    for (const file of media) assert.ok(ids.includes(Number(path.relative(t.dataDir, file).split(path.sep)[2])), file);
  });
});

describe('bad input on REST routes', () => {
  let t: TestServer;
  let token: string;
  let companyId: number;
  let tokenId: number;
  let clientId: number;
  let baseline: Awaited<ReturnType<typeof counts>>;
  let settings: unknown;

  before(async () => {
    t = await startServer({ LEGACY_AGENTS: 'true' });
    token = await login(t.url);
    companyId = (await api(t.url, '/api/auth/me', { token })).body.data.company_id;
    tokenId = (await api(t.url, `/api/companies/${companyId}/tokens`, { token })).body.data[0].id;
    const agent = await connectAgent(t.url, 'ana@desk');
    clientId = agent.client.id;
    const alert = await agent.socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 60 });
    assert.ok(alert.ok);
    agent.socket.disconnect();
    await waitUntil(async () => (await rowCount(t, 'presence_events')) === 2, 5000, 'the drop recorded');
    settings = (await api(t.url, `/api/companies/${companyId}/settings`, { token })).body;
    baseline = await counts(t);
  });
  after(async () => {
    await t.dispose();
  });

  interface RestCase {
    what: string;
    method: string;
    path: string;
    body?: string;
    contentType?: string | null;
    status: number;
    error: string;
    message: string;
  }

  async function expectRestErrors(cases: RestCase[]) {
    const mismatches: string[] = [];
    for (const c of cases) {
      const headers: Record<string, string> = {};
      const contentType = c.contentType === undefined ? (c.body === undefined ? null : 'application/json') : c.contentType;
      if (contentType) headers['content-type'] = contentType;
      const res = await http(t.url, c.method, c.path, { token, body: c.body, headers });
      const got = { status: res.status, json: /^application\/json/.test(res.headers.get('content-type') ?? ''), body: res.body };
      const wanted = { status: c.status, json: true, body: { error: c.error, message: c.message } };
      try {
        assert.deepEqual(got, wanted);
      } catch {
        mismatches.push(`${c.method} ${c.path.slice(0, 80)} ${c.what}: got ${JSON.stringify(got).slice(0, 300)}`);
      }
    }
    assert.deepEqual(mismatches, []);
  }

  /** What every route with a JSON body must answer to a body that is not a JSON object. */
  function malformedBodies(method: string, route: string): RestCase[] {
    const notObject = (what: string, body: string, received: string, contentType?: string): RestCase => ({
      what,
      method,
      path: route,
      body,
      contentType,
      status: 400,
      error: 'bad_request',
      message: `Invalid body: body: Invalid input: expected object, received ${received}`,
    });
    const badJson = "Body is not valid JSON but content-type is set to 'application/json'";
    return [
      { what: 'malformed JSON', method, path: route, body: '{"name": "x",', status: 400, error: 'FST_ERR_CTP_INVALID_JSON_BODY', message: badJson },
      { what: 'binary junk', method, path: route, body: '\u0000\u0001\u0002', status: 400, error: 'FST_ERR_CTP_INVALID_JSON_BODY', message: badJson },
      { what: '__proto__ poisoning', method, path: route, body: '{"__proto__": {"role": "superadmin"}}', status: 400, error: 'FST_ERR_CTP_INVALID_JSON_BODY', message: badJson },
      { what: 'constructor poisoning', method, path: route, body: '{"constructor": {"prototype": {"x": 1}}}', status: 400, error: 'FST_ERR_CTP_INVALID_JSON_BODY', message: badJson },
      { what: 'an empty JSON body', method, path: route, body: '', status: 400, error: 'FST_ERR_CTP_EMPTY_JSON_BODY', message: "Body cannot be empty when content-type is set to 'application/json'" },
      { what: 'a form', method, path: route, body: 'name=x', contentType: 'application/x-www-form-urlencoded', status: 415, error: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'Unsupported Media Type' },
      { what: 'XML', method, path: route, body: '<name>x</name>', contentType: 'application/xml', status: 415, error: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'Unsupported Media Type' },
      { what: 'a body over 1 MB', method, path: route, body: JSON.stringify({ name: 'x'.repeat(1_100_000) }), status: 413, error: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' },
      notObject('JSON as text/plain', '{"name": "x"}', 'string', 'text/plain'),
      notObject('null', 'null', 'null'),
      notObject('an array', '[{"name": "x"}]', 'array'),
      notObject('a number', '42', 'number'),
      notObject('a string', '"x"', 'string'),
      notObject('true', 'true', 'boolean'),
      notObject('100 000 nested arrays', '['.repeat(100_000) + ']'.repeat(100_000), 'array'),
      { what: 'no body at all', method, path: route, contentType: null, status: 400, error: 'bad_request', message: 'Invalid body: body: Invalid input: expected object, received null' },
    ];
  }

  const bad = (what: string, method: string, route: string, body: unknown, message: string): RestCase => ({
    what,
    method,
    path: route,
    body: JSON.stringify(body),
    status: 400,
    error: 'bad_request',
    message,
  });

  /** What every route with an :id (or :tokenId) must answer to an id that is not one. */
  function badIds(method: string, build: (id: string) => string, param = 'id', body?: string): RestCase[] {
    const one = (what: string, id: string, status: number, error: string, message: string): RestCase => ({
      what,
      method,
      path: build(id),
      body,
      status,
      error,
      message,
    });
    return [
      one('a word', 'abc', 400, 'bad_request', `Invalid params: ${param}: Invalid input: expected number, received NaN`),
      one('zero', '0', 400, 'bad_request', `Invalid params: ${param}: Too small: expected number to be >0`),
      one('negative', '-5', 400, 'bad_request', `Invalid params: ${param}: Too small: expected number to be >0`),
      one('fractional', '1.5', 400, 'bad_request', `Invalid params: ${param}: Invalid input: expected int, received number`),
      one('beyond 32 bits', '3000000000', 400, 'bad_request', `Invalid params: ${param}: Too big: expected number to be <=2147483647`),
      one('NUL', '%00', 400, 'bad_request', `Invalid params: ${param}: Invalid input: expected number, received NaN`),
      one('bad percent-encoding', '%E0%A4%A', 400, 'bad_request', 'The URL path is not valid: check its percent-encoding'),
      one('10 000 characters', '9'.repeat(10_000), 414, 'uri_too_long', 'A part of the URL path is too long'),
    ];
  }

  test('POST /api/auth/login', async () => {
    const route = '/api/auth/login';
    await expectRestErrors([
      ...malformedBodies('POST', route),
      bad('wrong types', 'POST', route, { email: 42, password: [] }, 'Invalid body: email: Invalid input: expected string, received number; password: Invalid input: expected string, received array; password: Too small: expected array to have >=1 items'),
      bad('no password', 'POST', route, { email: 'admin@example.com' }, 'Invalid body: password: Invalid input: expected string, received undefined'),
      bad('not an e-mail', 'POST', route, { email: 'admin', password: 'x' }, 'Invalid body: email: Invalid email address'),
      bad('a 10 000-char e-mail', 'POST', route, { email: `${'e'.repeat(10_000)}@example.com`, password: 'x' }, 'Invalid body: email: Too big: expected string to have <=255 characters'),
      bad('a 2 000-char password', 'POST', route, { email: 'admin@example.com', password: 'p'.repeat(2000) }, 'Invalid body: password: Too big: expected string to have <=1024 characters'),
    ]);
  });

  test('POST /api/users', async () => {
    const route = '/api/users';
    const user = { email: 'new@example.com', password: 'long-enough', company_id: 1 };
    await expectRestErrors([
      ...malformedBodies('POST', route),
      bad('company_id as a string', 'POST', route, { ...user, company_id: '1' }, 'Invalid body: company_id: Invalid input: expected number, received string'),
      bad('company_id beyond 32 bits', 'POST', route, { ...user, company_id: 3_000_000_000 }, 'Invalid body: company_id: Too big: expected number to be <=2147483647'),
      bad('an unknown role', 'POST', route, { ...user, role: 'root' }, 'Invalid body: role: role must be one of superadmin, admin, viewer, auditor'),
      bad('a 10 000-char e-mail', 'POST', route, { ...user, email: `${'e'.repeat(10_000)}@example.com` }, 'Invalid body: email: Too big: expected string to have <=255 characters'),
      bad('a 2 000-char password', 'POST', route, { ...user, password: 'p'.repeat(2000) }, 'Invalid body: password: Too big: expected string to have <=1024 characters'),
      bad('nested junk', 'POST', route, { email: nested, password: nested, company_id: nested }, 'Invalid body: email: Invalid input: expected string, received object; password: Invalid input: expected string, received object; company_id: Invalid input: expected number, received object'),
    ]);
  });

  test('POST /api/companies', async () => {
    const route = '/api/companies';
    await expectRestErrors([
      ...malformedBodies('POST', route),
      bad('no name', 'POST', route, {}, 'Invalid body: name: Invalid input: expected string, received undefined'),
      bad('an empty name', 'POST', route, { name: '' }, 'Invalid body: name: Too small: expected string to have >=1 characters'),
      bad('a blank name', 'POST', route, { name: '   ' }, 'Invalid body: name: Too small: expected string to have >=1 characters'),
      bad('a numeric name', 'POST', route, { name: 42 }, 'Invalid body: name: Invalid input: expected string, received number'),
      bad('an array name', 'POST', route, { name: ['Acme'] }, 'Invalid body: name: Invalid input: expected string, received array'),
      bad('a 10 000-char name', 'POST', route, { name: 'n'.repeat(10_000) }, 'Invalid body: name: Too big: expected string to have <=255 characters'),
      bad('a NUL in the name', 'POST', route, { name: 'Ac\u0000me' }, 'Invalid body: name: must not contain NUL characters'),
    ]);
  });

  test('/api/companies/:id/tokens and /api/companies/:id/tokens/:tokenId', async () => {
    const route = `/api/companies/${companyId}/tokens`;
    await expectRestErrors([
      ...malformedBodies('POST', route),
      bad('a numeric label', 'POST', route, { label: 42 }, 'Invalid body: label: Invalid input: expected string, received number'),
      bad('a 10 000-char label', 'POST', route, { label: 'l'.repeat(10_000) }, 'Invalid body: label: Too big: expected string to have <=255 characters'),
      bad('a NUL in the label', 'POST', route, { label: 'lap\u0000tops' }, 'Invalid body: label: must not contain NUL characters'),
      ...badIds('GET', (id) => `/api/companies/${id}/tokens`),
      ...badIds('POST', (id) => `/api/companies/${id}/tokens`, 'id', '{}'),
      ...badIds('DELETE', (id) => `/api/companies/${id}/tokens/${tokenId}`),
      ...badIds('DELETE', (id) => `/api/companies/${companyId}/tokens/${id}`, 'tokenId'),
      { what: 'a token that does not exist', method: 'DELETE', path: `/api/companies/${companyId}/tokens/999999`, status: 404, error: 'not_found', message: 'Active token 999999 not found' },
      { what: 'a company that does not exist', method: 'GET', path: '/api/companies/999999/tokens', status: 404, error: 'not_found', message: 'Company 999999 not found' },
    ]);
  });

  test('/api/companies/:id/settings', async () => {
    const route = `/api/companies/${companyId}/settings`;
    await expectRestErrors([
      ...malformedBodies('PATCH', route),
      bad('nothing to change', 'PATCH', route, {}, 'Invalid body: body: send at least one of idle_threshold_seconds, idle_message, viewer_names_shown, pause_allowed, pause_max_minutes, audit_retention_days, quality_preset'),
      bad('threshold as a string', 'PATCH', route, { idle_threshold_seconds: '60' }, 'Invalid body: idle_threshold_seconds: Invalid input: expected number, received string'),
      bad('threshold too small', 'PATCH', route, { idle_threshold_seconds: 5 }, 'Invalid body: idle_threshold_seconds: The idle threshold must be at least 10 seconds'),
      bad('threshold fractional', 'PATCH', route, { idle_threshold_seconds: 60.5 }, 'Invalid body: idle_threshold_seconds: The idle threshold is a whole number of seconds'),
      bad('threshold absurd', 'PATCH', route, { idle_threshold_seconds: 1e9 }, 'Invalid body: idle_threshold_seconds: The idle threshold must be at most 24 hours (86400 seconds)'),
      bad('threshold null', 'PATCH', route, { idle_threshold_seconds: null }, 'Invalid body: idle_threshold_seconds: Invalid input: expected number, received null'),
      bad('an empty message', 'PATCH', route, { idle_message: ' ' }, 'Invalid body: idle_message: Write the message the desktop shows: it must not be empty'),
      bad('a numeric message', 'PATCH', route, { idle_message: 42 }, 'Invalid body: idle_message: Invalid input: expected string, received number'),
      bad('a 10 000-char message', 'PATCH', route, { idle_message: 'm'.repeat(10_000) }, 'Invalid body: idle_message: The message may be at most 1000 characters'),
      bad('a NUL in the message', 'PATCH', route, { idle_message: 'still\u0000there?' }, 'Invalid body: idle_message: must not contain NUL characters'),
      bad('no audit retention', 'PATCH', route, { audit_retention_days: 0 }, 'Invalid body: audit_retention_days: audit_retention_days must be 1-3650'),
      bad('a fractional audit retention', 'PATCH', route, { audit_retention_days: 1.5 }, 'Invalid body: audit_retention_days: audit_retention_days is a whole number of days'),
      bad('an unknown quality preset', 'PATCH', route, { quality_preset: 'ultra' }, 'Invalid body: quality_preset: quality_preset must be one of archive, balanced, sharp'),
      bad('a numeric quality preset', 'PATCH', route, { quality_preset: 2 }, 'Invalid body: quality_preset: quality_preset must be one of archive, balanced, sharp'),
      ...badIds('GET', (id) => `/api/companies/${id}/settings`),
      ...badIds('PATCH', (id) => `/api/companies/${id}/settings`, 'id', '{"idle_threshold_seconds": 60}'),
    ]);
    assert.deepEqual((await api(t.url, route, { token })).body, settings, 'the settings did not change');
  });

  test('GET /api/clients?… and GET /api/clients/:id', async () => {
    const q = (query: string, message: string): RestCase => ({ what: query, method: 'GET', path: `/api/clients?${query}`, status: 400, error: 'bad_request', message });
    await expectRestErrors([
      q('status=bogus', 'Invalid querystring: status: Invalid option: expected one of "live"|"reconnecting"|"disconnected"'),
      q(`status=${'s'.repeat(10_000)}`, 'Invalid querystring: status: Invalid option: expected one of "live"|"reconnecting"|"disconnected"'),
      q('status=live&status=disconnected', 'Invalid querystring: status: Invalid option: expected one of "live"|"reconnecting"|"disconnected"'),
      q('page=0', 'Invalid querystring: page: Too small: expected number to be >=1'),
      q('page=abc', 'Invalid querystring: page: Invalid input: expected number, received NaN'),
      q('per_page=0', 'Invalid querystring: per_page: Too small: expected number to be >=1'),
      q('per_page=100000', 'Invalid querystring: per_page: Too big: expected number to be <=1000'),
      q(`q=${'q'.repeat(1000)}`, 'Invalid querystring: q: Too big: expected string to have <=255 characters'),
      q('q=a%00b', 'Invalid querystring: q: must not contain NUL characters'),
      q('q=a&q=b', 'Invalid querystring: q: Invalid input: expected string, received array'),
      q('company_id=abc', 'Invalid querystring: company_id: Invalid input: expected number, received NaN'),
      q('company_id=3000000000', 'Invalid querystring: company_id: Too big: expected number to be <=2147483647'),
      ...badIds('GET', (id) => `/api/clients/${id}`),
      { what: 'a client that does not exist', method: 'GET', path: '/api/clients/424242', status: 404, error: 'not_found', message: 'Client 424242 not found' },
    ]);
    const ok = await api(t.url, `/api/clients/${clientId}`, { token });
    assert.equal(ok.status, 200);
  });

  test('GET /api/alerts?… and POST /api/alerts/:id/acknowledge', async () => {
    const q = (query: string, message: string): RestCase => ({ what: query, method: 'GET', path: `/api/alerts?${query}`, status: 400, error: 'bad_request', message });
    await expectRestErrors([
      q('client_id=abc', 'Invalid querystring: client_id: Invalid input: expected number, received NaN'),
      q('client_id=0', 'Invalid querystring: client_id: Too small: expected number to be >0'),
      q('client_id=3000000000', 'Invalid querystring: client_id: Too big: expected number to be <=2147483647'),
      q('page=-1', 'Invalid querystring: page: Too small: expected number to be >=1'),
      q('per_page=abc', 'Invalid querystring: per_page: Invalid input: expected number, received NaN'),
      q('company_id=0', 'Invalid querystring: company_id: Too small: expected number to be >0'),
      ...badIds('POST', (id) => `/api/alerts/${id}/acknowledge`),
      { what: 'an alert that does not exist', method: 'POST', path: '/api/alerts/424242/acknowledge', status: 404, error: 'not_found', message: 'Alert 424242 not found' },
      { what: 'malformed JSON', method: 'POST', path: '/api/alerts/1/acknowledge', body: '{', status: 400, error: 'FST_ERR_CTP_INVALID_JSON_BODY', message: "Body is not valid JSON but content-type is set to 'application/json'" },
    ]);
    const alerts = await api(t.url, '/api/alerts', { token });
    assert.deepEqual(alerts.body.data.map((a: { acknowledged_at: string | null }) => a.acknowledged_at), [null], 'nothing was acknowledged');
  });

  test('POST /api/vaahshare/alerts', async () => {
    const route = '/api/vaahshare/alerts';
    await expectRestErrors([
      ...malformedBodies('POST', route),
      bad('no socket_id', 'POST', route, { type: 'idle' }, 'Invalid body: socket_id: Invalid input: expected string, received undefined'),
      bad('a numeric socket_id', 'POST', route, { type: 'idle', socket_id: 42 }, 'Invalid body: socket_id: Invalid input: expected string, received number'),
      bad('an empty socket_id', 'POST', route, { type: 'idle', socket_id: '' }, 'Invalid body: socket_id: Too small: expected string to have >=1 characters'),
      bad('a 10 000-char socket_id', 'POST', route, { type: 'idle', socket_id: 's'.repeat(10_000) }, 'Invalid body: socket_id: Too big: expected string to have <=64 characters'),
      bad('a NUL in socket_id', 'POST', route, { type: 'idle', socket_id: 'abc\u0000' }, 'Invalid body: socket_id: must not contain NUL characters'),
      bad('another type', 'POST', route, { type: 'busy', socket_id: 'abc' }, 'Invalid body: type: Invalid input: expected "idle"'),
      bad('idle_seconds as a string', 'POST', route, { socket_id: 'abc', idle_seconds: '60' }, 'Invalid body: idle_seconds: Invalid input: expected number, received string'),
      bad('idle_seconds negative', 'POST', route, { socket_id: 'abc', idle_seconds: -1 }, 'Invalid body: idle_seconds: Too small: expected number to be >=0'),
      bad('idle_seconds absurd', 'POST', route, { socket_id: 'abc', idle_seconds: 1e12 }, 'Invalid body: idle_seconds: Too big: expected number to be <=315360000'),
      { what: 'an unknown socket id', method: 'POST', path: route, body: JSON.stringify({ type: 'idle', socket_id: 'never-seen' }), status: 404, error: 'not_found', message: 'A client with socket id never-seen not found' },
    ]);
  });

  test('nothing was written by any refused request, and the server is still healthy', async () => {
    assert.deepEqual(await counts(t), baseline);
    assert.equal((await http(t.url, 'GET', '/healthz')).status, 200);
  });
});

describe('original clients (query.app "electron", no token)', () => {
  test('with LEGACY_AGENTS: an unknown company gets an error and is disconnected, nothing stored; a valid one is accepted', async () => {
    const t = await startServer({ LEGACY_AGENTS: 'true' });
    try {
      const token = await login(t.url);
      const companyId: number = (await api(t.url, '/api/auth/me', { token })).body.data.company_id;
      const dashboard = await connectDashboard(t.url, token);
      const before = await counts(t);
      const unknownCompany = (id: string) =>
        `Company ${id} does not exist or does not accept this app from your address: check the company id in the app's settings, or ask the company's admin`;

      // With an ack: the refusal comes through it, then the server disconnects the socket.
      for (const [companyField, shown] of [[9999, '9999'], ['424242', '424242'], [undefined, '(none)']] as const) {
        const socket = openSocket(t.url, { app: 'electron', token: null });
        await connected(socket);
        const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
        const reply = await socket.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo('old@client'), company_id: companyField });
        assert.deepEqual(reply, { ok: false, error: 'unknown_company', message: unknownCompany(shown) });
        assert.equal(await gone, 'io server disconnect');
      }
      // Without an ack (as the original sends it): an `error` event, then the disconnect.
      const socket = openSocket(t.url, { app: 'electron', token: null });
      await connected(socket);
      const seen: string[] = [];
      untyped(socket).on('error', (e: unknown) => seen.push(`error ${JSON.stringify(e)}`));
      const gone = new Promise<void>((resolve) => socket.once('disconnect', (reason) => (seen.push(`disconnect ${reason}`), resolve())));
      socket.emit('client-connected', { machine_info: machineInfo('old@client'), company_id: '9999' });
      await gone;
      assert.deepEqual(seen, [
        `error ${JSON.stringify({ error: 'unknown_company', message: unknownCompany('9999'), event: 'client-connected' })}`,
        'disconnect io server disconnect',
      ]);
      // A malformed company id is bad input, named as such.
      const malformed = openSocket(t.url, { app: 'electron', token: null });
      await connected(malformed);
      const refused = await malformed.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo('old@client'), company_id: 'my company' });
      assert.deepEqual(refused, {
        ok: false,
        error: 'bad_request',
        message: 'Invalid client-connected payload: company_id: company_id must be a whole number or a string of digits',
      });
      malformed.disconnect();
      await roundTrip(dashboard.socket);
      assert.deepEqual(await counts(t), before, 'nothing stored');
      assert.deepEqual(dashboard.events, []);

      // A numeric string naming an existing company is accepted, in that company.
      const ok = openSocket(t.url, { app: 'electron', token: null });
      await connected(ok);
      const accepted = await ok.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo('old@client'), company_id: String(companyId) });
      assert.ok(accepted.ok, JSON.stringify(accepted));
      assert.equal(accepted.ok && accepted.client.company_id, companyId);
      await waitUntil(() => dashboard.of('old@client').length === 1, 2000, 'announced');
      assert.ok(ok.connected);
      const clients = await api(t.url, '/api/clients', { token });
      assert.deepEqual(clients.body.data.map((c: { user_host: string }) => c.user_host), ['old@client']);

      // Its frames must be `{ buffer }`: bare bytes are refused, not mistaken for a Buffer's underlying memory.
      // An EBML header element of 3 bytes (only element headers are checked as frames arrive).
      const bytes = Buffer.concat([EBML, Buffer.from([0x83, 0x42, 0x86, 0x81])]);
      assert.deepEqual(await ok.timeout(5000).emitWithAck('video-frame', { buffer: bytes }), { ok: true, offset: 8 });
      assert.deepEqual(await untyped(ok).timeout(5000).emitWithAck('video-frame', bytes), {
        ok: false,
        error: 'bad_request',
        message: 'Invalid video-frame payload: send { buffer: <bytes> }, not bare bytes',
      });
      assert.deepEqual(await ok.timeout(5000).emitWithAck('video-frame', { buffer: bytes }), { ok: true, offset: 16 });
      ok.disconnect();
      dashboard.socket.disconnect();
    } finally {
      await t.dispose();
    }
  });

  test('without LEGACY_AGENTS: refused at the handshake, and the legacy REST routes are off', async () => {
    const t = await startServer();
    try {
      const before = await counts(t);
      assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'electron', token: null })), {
        message: 'An enrollment token is required: start the agent with --token <token> (see the dashboard settings)',
        data: { error: 'token_required' },
      });
      const res = await http(t.url, 'POST', '/api/vaahshare/alerts', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'idle', socket_id: 'abc' }),
      });
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, {
        error: 'legacy_disabled',
        message: 'Original VaahShare clients are not accepted here: a company accepts them in Settings → Original clients (or LEGACY_AGENTS=true, for the default company)',
      });
      assert.deepEqual(await counts(t), before);
    } finally {
      await t.dispose();
    }
  });
});
