import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { api, connectAgent, login, startServer, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { freePort } from '@vaahshare/testkit/process';
import { assertError, http } from '@vaahshare/testkit/probes';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { makeWebm } from '@vaahshare/testkit/webm';
import { redactUrl } from '../infra/logging.js';
import { mediaPaths } from '../media/index.js';

const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

describe('/metrics', () => {
  test('needs METRICS_TOKEN as a bearer token', async () => {
    const t = await startServer({ METRICS_TOKEN: 'metrics-token-of-this-test' });
    try {
      const message = 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>';
      assertError(await http(t.url, 'GET', '/metrics'), 401, 'unauthorized', message, 'no token');
      assertError(await http(t.url, 'GET', '/metrics', { token: 'metrics-token-of-this-tesT' }), 401, 'unauthorized', message, 'a wrong one');
      const ok = await http(t.url, 'GET', '/metrics', { token: 'metrics-token-of-this-test' });
      assert.equal(ok.status, 200);
      assert.match(ok.body, /^vaahshare_/m);
    } finally {
      await t.dispose();
    }
  });

  test('is off with neither setting, and with METRICS_LISTEN only served at that address', async () => {
    const off = await startServer({ METRICS_TOKEN: '' });
    try {
      assertError(await http(off.url, 'GET', '/metrics'), 404, 'not_found', 'Metrics are off: set METRICS_TOKEN or METRICS_LISTEN');
    } finally {
      await off.dispose();
    }
    const port = await freePort();
    const apart = await startServer({ METRICS_TOKEN: '', METRICS_LISTEN: `127.0.0.1:${port}` });
    try {
      assertError(await http(apart.url, 'GET', '/metrics'), 404, 'not_found', `Metrics are at 127.0.0.1:${port}`);
      const there = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(there.status, 200);
      assert.match(await there.text(), /^vaahshare_/m);
    } finally {
      await apart.dispose();
    }
    await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'closed with the server');
  });
});

describe('request logs', () => {
  test('credentials in a query string are redacted; the rest of the URL stays', () => {
    assert.equal(redactUrl('/share/?token=abc&name=jo'), '/share/?token=[redacted]&name=jo');
    assert.equal(redactUrl('/x?access_token=a&Secret=b&code=1&page=2'), '/x?access_token=[redacted]&Secret=[redacted]&code=[redacted]&page=2');
    assert.equal(redactUrl('/api/clients'), '/api/clients');
  });

  test('a share link’s token never reaches the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) });
    const t = await startServer({}, { loggerInstance: pino({ level: 'debug' }, sink) });
    try {
      await http(t.url, 'GET', '/share/?token=very-secret-enrollment-token&name=jo');
      await waitUntil(() => lines.some((l) => l.includes('incoming request') && l.includes('/share/')), 5000, 'the request logged');
      assert.ok(lines.some((l) => l.includes('"url":"/share/?token=[redacted]&name=jo"')), lines.join(''));
      assert.ok(!lines.some((l) => l.includes('very-secret-enrollment-token')));
    } finally {
      await t.dispose();
    }
  });
});

describe('files at rest', () => {
  let t: TestServer;
  const dataDir = tempDir();
  before(async () => {
    // As an older version left it.
    fs.chmodSync(dataDir, 0o755);
    t = await startServer({ DATA_DIR: dataDir });
  });
  after(() => t.dispose());

  test('DATA_DIR is 0700, and the database, recordings and thumbnails 0600 in 0700 folders', async () => {
    const token = await login(t.url);
    const agent = await connectAgent(t.url, 'jo@modes');
    await startSegment(agent.socket, 'modes-1');
    await sendFrames(agent.socket, 'modes-1', await makeWebm({ seconds: 2 }), 0);
    await agent.socket.timeout(5000).emitWithAck('stop-streaming', { segment_id: 'modes-1' });
    let media: { id: number; company_id: number; client_id: number; status: string } | undefined;
    await waitUntil(async () => {
      [media] = (await api(t.url, '/api/media', { token })).body.data;
      return media?.status === 'ready';
    }, 60_000, 'the recording finalized');
    agent.socket.disconnect();

    assert.ok(media);
    const files = mediaPaths(dataDir, media);
    // On PostgreSQL the database is not a file of DATA_DIR.
    const database = t.env.DATABASE_URL ? {} : { database: modeOf(path.join(dataDir, 'vaahshare.sqlite')) };
    assert.deepEqual(
      {
        dataDir: modeOf(dataDir),
        ...database,
        mediaDir: modeOf(path.join(dataDir, 'media')),
        clientDir: modeOf(files.dir),
        recording: modeOf(files.final),
        thumbnail: modeOf(files.thumbnail),
      },
      { dataDir: '700', ...(t.env.DATABASE_URL ? {} : { database: '600' }), mediaDir: '700', clientDir: '700', recording: '600', thumbnail: '600' },
    );
  });
});
