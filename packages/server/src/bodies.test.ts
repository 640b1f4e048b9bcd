import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AGENT_TOKEN, api, connectAgent, login, startServer, type TestServer } from '@vaahshare/testkit';
import { http, rowCount } from '@vaahshare/testkit/probes';

/** Small, so that "huge" bodies are quick to send; JSON bodies have Fastify's own 1 MB limit. */
const MAX_UPLOAD_BYTES = 64 * 1024;
const BOUNDARY = 'vaahshare-fuzz-boundary';
const multipartType = `multipart/form-data; boundary=${BOUNDARY}`;
const EBML = '\u001a\u0045\u00df\u00a3';

const fieldPart = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const filePart = (bytes: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.webm"\r\nContent-Type: video/webm\r\n\r\n${bytes}\r\n`;
const close = `--${BOUNDARY}--\r\n`;
const wholeForm = fieldPart('user_host', 'fuzz@pc') + fieldPart('socket_id', 'abc') + fieldPart('company_id', '1') + filePart(`${EBML}webm`) + close;

interface BodyCase {
  what: string;
  contentType?: string;
  body: string | Buffer;
}

/** Bodies no route accepts: a wrong type, truncated, empty, huge, or multipart that is not. */
const CASES: BodyCase[] = [
  { what: 'text/plain', contentType: 'text/plain', body: 'hello' },
  { what: 'XML', contentType: 'application/xml', body: '<a>1</a>' },
  { what: 'octet-stream bytes', contentType: 'application/octet-stream', body: Buffer.from([0, 1, 2, 255]) },
  { what: 'a form', contentType: 'application/x-www-form-urlencoded', body: 'a=1&b=2' },
  { what: 'a content type that is not one', contentType: ';;;/', body: '{}' },
  { what: 'truncated JSON', contentType: 'application/json', body: '{"user_host": "a@b", "media_' },
  { what: 'empty JSON', contentType: 'application/json', body: '' },
  { what: 'huge JSON', contentType: 'application/json', body: JSON.stringify({ x: 'x'.repeat(1_100_000) }) },
  { what: 'multipart without a boundary', contentType: 'multipart/form-data', body: wholeForm },
  { what: 'multipart with an empty boundary', contentType: 'multipart/form-data; boundary=', body: wholeForm },
  { what: 'multipart with another boundary', contentType: 'multipart/form-data; boundary=other', body: wholeForm },
  { what: 'empty multipart', contentType: multipartType, body: '' },
  { what: 'multipart of only the closing boundary', contentType: multipartType, body: close },
  { what: 'multipart truncated in the fields', contentType: multipartType, body: wholeForm.slice(0, 60) },
  { what: 'multipart truncated in the file', contentType: multipartType, body: wholeForm.slice(0, wholeForm.indexOf('webm\r\n')) },
  { what: 'multipart truncated before the closing boundary', contentType: multipartType, body: wholeForm.slice(0, -close.length) },
  { what: 'multipart with a broken part header', contentType: multipartType, body: `--${BOUNDARY}\r\nContent-Disposition\r\n\r\nx\r\n${close}` },
  { what: 'multipart with a huge file', contentType: multipartType, body: fieldPart('user_host', 'fuzz@pc') + filePart(EBML + 'x'.repeat(MAX_UPLOAD_BYTES * 2)) + close },
  { what: 'multipart with 1000 fields', contentType: multipartType, body: Array.from({ length: 1000 }, (_, i) => fieldPart(`f${i}`, 'v')).join('') + close },
];

const TABLES = ['clients', 'media', 'alerts', 'companies', 'users', 'enrollment_tokens'] as const;
const counts = async (t: TestServer) => Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, await rowCount(t, table)])));

/** Every route that reads a body, as `METHOD /path/:param`, from Fastify's own route table. */
function bodyRoutes(t: TestServer): string[] {
  const routes: string[] = [];
  for (const method of ['POST', 'PUT', 'PATCH']) {
    // A tree: each level indents by four characters and continues its parent's path.
    const parents: string[] = [];
    for (const line of t.server.app.printRoutes({ method, commonPrefix: false }).split('\n')) {
      const match = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)/.exec(line);
      if (!match) continue;
      const depth = match[1].length / 4;
      parents[depth] = (depth ? parents[depth - 1] : '') + match[2];
      if (match[3].split(', ').includes(method)) routes.push(`${method} ${parents[depth]}`);
    }
  }
  return routes;
}

describe('every route with a body answers malformed bodies with a 4xx and a clear message', () => {
  let t: TestServer;
  let adminToken: string;
  let params: Record<string, string>;
  let baseline: Record<string, number>;

  before(async () => {
    t = await startServer({ LEGACY_AGENTS: 'true', MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    adminToken = await login(t.url);
    const me = (await api(t.url, '/api/auth/me', { token: adminToken })).body.data;
    const agent = await connectAgent(t.url, 'fuzz@pc');
    const tokens = (await api(t.url, `/api/companies/${me.company_id}/tokens`, { token: adminToken })).body.data;
    // Real ids, so that a route gets as far as reading its body.
    params = { id: String(me.company_id), tokenId: String(tokens[0].id), socket_id: agent.socket.id!, user_host: 'fuzz@pc' };
    baseline = await counts(t);
  });
  after(async () => {
    await t.dispose();
  });

  test('the route table is read', () => {
    const routes = bodyRoutes(t);
    for (const route of ['POST /api/media/upload', 'POST /upload', 'POST /api/auth/login', 'PATCH /api/companies/:id/settings']) assert.ok(routes.includes(route), `${route} in ${routes.join(', ')}`);
  });

  test('no 5xx, no crash: a JSON { error, message } with a 4xx for each', async () => {
    const problems: string[] = [];
    // Logging out (here or everywhere) reads no body, and would end the session the other routes use.
    for (const route of bodyRoutes(t).filter((r) => !['POST /api/auth/logout', 'POST /api/auth/logout-all'].includes(r))) {
      const [method, pattern] = route.split(' ');
      const path = pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? '1'));
      // Agent routes take the enrollment token; the others a dashboard session.
      const token = path.startsWith('/api/media/') ? AGENT_TOKEN : adminToken;
      for (const c of CASES) {
        const headers: Record<string, string> = c.contentType === undefined ? {} : { 'content-type': c.contentType };
        const res = await http(t.url, method, path, { token, body: c.body as string, headers });
        const body = res.body as { error?: unknown; message?: unknown };
        const clear = typeof body === 'object' && typeof body.error === 'string' && typeof body.message === 'string' && body.message.length > 0;
        if (res.status < 400 || res.status >= 500 || !clear) problems.push(`${route} ${c.what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('the malformed multipart answers name the problem', async () => {
    const upload = (contentType: string, body: string) => http(t.url, 'POST', '/api/media/upload', { token: AGENT_TOKEN, body, headers: { 'content-type': contentType } });
    const noBoundary = await upload('multipart/form-data', wholeForm);
    assert.deepEqual([noBoundary.status, noBoundary.body], [400, { error: 'bad_multipart', message: 'The multipart body could not be read (Multipart: Boundary not found): send multipart/form-data with its boundary, the fields, then `file`' }]);
    const truncated = await upload(multipartType, wholeForm.slice(0, -close.length));
    assert.deepEqual([truncated.status, truncated.body], [400, { error: 'bad_multipart', message: 'The multipart body could not be read (Unexpected end of multipart data): send multipart/form-data with its boundary, the fields, then `file`' }]);
  });

  test('nothing was stored, and a well-formed upload is still taken', async () => {
    assert.deepEqual(await counts(t), baseline);
    // Latin-1: one byte per character, so the file starts with the EBML magic bytes themselves.
    const good = await fetch(`${t.url}/api/media/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': multipartType },
      body: Buffer.from(wholeForm, 'latin1'),
    });
    assert.equal(good.status, 201, await good.text());
    assert.equal(await rowCount(t, 'media'), baseline.media + 1);
  });
});
