import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, login, startServer, type TestServer } from '@vaahshare/testkit';
import { assertError, http } from '@vaahshare/testkit/probes';
import type { DomainEvents } from '../events/domain-events.js';
import { findUserByEmail } from './users.repository.js';

const json = { 'content-type': 'application/json' };
const attempt = (t: TestServer, email: string, password: string) =>
  http(t.url, 'POST', '/api/auth/login', { headers: json, body: JSON.stringify({ email, password }) });

function assertThrottled(res: Awaited<ReturnType<typeof attempt>>, waitSeconds: number, what: string) {
  assertError(res, 429, 'too_many_attempts', `Too many failed logins: try again in ${waitSeconds} s`, what);
  assert.equal(res.headers.get('retry-after'), String(waitSeconds), what);
}

describe('login throttling per e-mail', () => {
  let t: TestServer;
  const failures: DomainEvents['login-failed'][] = [];
  const logins: DomainEvents['logged-in'][] = [];

  before(async () => {
    t = await startServer({ LOGIN_MAX_FAILURES_PER_EMAIL: '3', LOGIN_MAX_FAILURES_PER_IP: '1000', LOGIN_THROTTLE_WINDOW_MS: '60000' });
    t.server.ctx.events.on('login-failed', (failure) => void failures.push(failure));
    t.server.ctx.events.on('logged-in', (loggedIn) => void logins.push(loggedIn));
  });
  after(() => t.dispose());

  test('three wrong passwords, then even the right one waits a minute, and each further try meanwhile doubles the wait', async () => {
    await login(t.url);
    assert.deepEqual(logins, [{ userId: 1, companyId: logins[0].companyId, email: ADMIN_EMAIL, ip: '127.0.0.1' }]);
    for (let i = 0; i < 3; i++) assertError(await attempt(t, ADMIN_EMAIL, 'wrong'), 401, 'unauthorized', 'Wrong e-mail or password');
    assertThrottled(await attempt(t, ADMIN_EMAIL, ADMIN_PASSWORD), 60, 'the right password after three failures: a minute from now');
    assertThrottled(await attempt(t, ` ${ADMIN_EMAIL.toUpperCase()}`, ADMIN_PASSWORD), 120, 'the same address written otherwise');
    assertThrottled(await attempt(t, ADMIN_EMAIL, ADMIN_PASSWORD), 240, 'and again');

    assert.deepEqual(
      failures.map((f) => [f.email, f.reason, f.userId, f.ip]),
      [
        ...Array(3).fill([ADMIN_EMAIL, 'wrong_password', 1, '127.0.0.1']),
        ...Array(3).fill([ADMIN_EMAIL, 'throttled', undefined, '127.0.0.1']),
      ],
    );
    assert.equal(logins.length, 1, 'no login while throttled');
  });

  test('an unknown e-mail is throttled exactly like a known one, and other addresses are not', async () => {
    for (let i = 0; i < 3; i++) assertError(await attempt(t, 'nobody@example.com', 'wrong'), 401, 'unauthorized', 'Wrong e-mail or password');
    assertThrottled(await attempt(t, 'nobody@example.com', 'wrong'), 60, 'unknown e-mail');
    assertError(await attempt(t, 'somebody@example.com', 'wrong'), 401, 'unauthorized', 'Wrong e-mail or password');
    assert.deepEqual(
      failures.slice(-5).map((f) => f.reason),
      ['unknown_email', 'unknown_email', 'unknown_email', 'throttled', 'unknown_email'],
    );
  });
});

describe('login throttling per address', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ LOGIN_MAX_FAILURES_PER_EMAIL: '1000', LOGIN_MAX_FAILURES_PER_IP: '4', LOGIN_THROTTLE_WINDOW_MS: '30000' });
  });
  after(() => t.dispose());

  test('failures for different e-mails from one address add up', async () => {
    for (let i = 0; i < 4; i++) assertError(await attempt(t, `guess${i}@example.com`, 'wrong'), 401, 'unauthorized', 'Wrong e-mail or password');
    assertThrottled(await attempt(t, ADMIN_EMAIL, ADMIN_PASSWORD), 30, 'the admin from the same address');
  });
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(run: () => Promise<unknown>) {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

describe('no e-mail enumeration', () => {
  let t: TestServer;
  let superToken: string;
  before(async () => {
    t = await startServer({ LOGIN_MAX_FAILURES_PER_EMAIL: '1000', LOGIN_MAX_FAILURES_PER_IP: '1000' });
    superToken = await login(t.url);
  });
  after(() => t.dispose());

  test('an unknown e-mail takes as long to refuse as a wrong password (medians of interleaved samples)', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await timed(() => attempt(t, ADMIN_EMAIL, `wrong-${i}`)));
      unknown.push(await timed(() => attempt(t, `nobody-${i}@example.com`, `wrong-${i}`)));
    }
    // Without a dummy hash an unknown e-mail answered ~100 times faster; within 2× is noise on a loaded machine.
    const ratio = median(unknown) / median(known);
    assert.ok(ratio > 0.5 && ratio < 2, `median unknown ${median(unknown).toFixed(1)} ms vs known ${median(known).toFixed(1)} ms`);
  });

  test("an admin creating a user with another company's e-mail is not told it exists", async () => {
    const acme = (await api(t.url, '/api/companies', { token: superToken, body: { name: 'Acme' } })).body.data;
    const created = await api(t.url, '/api/users', { token: superToken, body: { email: 'boss@acme.example', password: 'acme-password', company_id: acme.id } });
    assert.equal(created.status, 201);
    const acmeAdmin = await login(t.url, 'boss@acme.example', 'acme-password');
    const post = (email: string) =>
      http(t.url, 'POST', '/api/users', { token: acmeAdmin, headers: json, body: JSON.stringify({ email, password: 'a-password', company_id: acme.id }) });

    assertError(await post(ADMIN_EMAIL), 409, 'conflict', 'This e-mail address cannot be used: choose another', 'another company’s user');
    // Its own company's users it sees anyway.
    assertError(await post('boss@acme.example'), 409, 'conflict', 'A user with e-mail boss@acme.example already exists', 'its own user');
  });

  test('an admin may try at most 30 new users an hour', async () => {
    const acmeAdmin = await login(t.url, 'boss@acme.example', 'acme-password');
    const post = () => http(t.url, 'POST', '/api/users', { token: acmeAdmin, headers: json, body: JSON.stringify({ email: ADMIN_EMAIL, password: 'a-password', company_id: 2 }) });
    // The previous test spent two of them (with another login of the same admin).
    for (let i = 2; i < 30; i++) assert.equal((await post()).status, 409);
    const refused = await post();
    assertError(refused, 429, 'too_many_requests', /^Too many new users: try again in 3[5-6]\d\d s$/, 'the 31st: an hour after the first');
    assert.equal(`${refused.headers.get('retry-after')}`, /in (\d+) s/.exec(refused.body.message)?.[1]);
  });
});

describe('a changed password hash cost', () => {
  /** The argon2id parameters the server stored for the bootstrap admin, e.g. "m=7168,p=4,t=5". */
  const storedCost = async (t: TestServer) => (await findUserByEmail(t.server.ctx.db, ADMIN_EMAIL))!.password_hash.split('$')[3];

  test('applies to a password at its next right login, across a restart; a wrong one changes nothing', async () => {
    const first = await startServer({ PASSWORD_HASH_MEMORY_KIB: '7168', PASSWORD_HASH_ITERATIONS: '5' });
    try {
      assert.equal(await storedCost(first), 'm=7168,p=4,t=5');
      await first.close();
      const database: Record<string, string> = first.env.DATABASE_URL ? { DATABASE_URL: first.env.DATABASE_URL } : {};
      const second = await startServer({ DATA_DIR: first.dataDir, ...database, PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_ITERATIONS: '2' });
      try {
        assertError(await attempt(second, ADMIN_EMAIL, 'wrong'), 401, 'unauthorized', 'Wrong e-mail or password');
        assert.equal(await storedCost(second), 'm=7168,p=4,t=5', 'a wrong password stores nothing');
        await login(second.url);
        assert.equal(await storedCost(second), 'm=19456,p=4,t=2');
        await login(second.url); // the new hash holds the same password
      } finally {
        await second.close();
      }
    } finally {
      await first.dispose().catch(() => {});
    }
  });
});
