import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, login, openSocket, startServer, type TestServer } from '@vaahshare/testkit';
import { assertError, handshakeRefusal, http } from '@vaahshare/testkit/probes';
import { totpCode } from './totp.js';

const STEP_MS = 30_000;
const json = { 'content-type': 'application/json' };
const post = (t: TestServer, pathname: string, body: unknown, token?: string) => http(t.url, 'POST', pathname, { headers: json, body: JSON.stringify(body), token });
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** A clock the test moves, started just after the beginning of a TOTP step so that "this step" is unambiguous. */
function stepClock() {
  let now = Math.floor(Date.now() / STEP_MS) * STEP_MS + 1_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** A 6-digit code that is none of the valid ones around `now` (what a guesser types). */
function wrongCode(secret: string, now: number): string {
  const valid = new Set([-1, 0, 1].map((s) => totpCode(secret, now + s * STEP_MS)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

async function auditActions(t: TestServer, token: string, action: string) {
  return (await api(t.url, `/api/audit?action=${action}`, { token })).body.data as Array<{ actor: { email: string }; target: { label: string }; details: Record<string, unknown> | null }>;
}

/** Sets up and enables the second factor of a logged-in user; answers its secret and recovery codes. */
async function enroll(t: TestServer, token: string, now: number) {
  const setup = await post(t, '/api/auth/totp/setup', {}, token);
  assert.equal(setup.status, 200, JSON.stringify(setup.body));
  const { secret } = setup.body.data;
  const enabled = await post(t, '/api/auth/totp/enable', { code: totpCode(secret, now) }, token);
  assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
  return { secret: secret as string, recoveryCodes: enabled.body.data.recovery_codes as string[], setup: setup.body.data };
}

describe('TOTP second factor', () => {
  const clock = stepClock();
  let t: TestServer;
  let superToken: string;
  let secret: string;
  let recoveryCodes: string[];

  /** Both steps of a login; the clock first moves to a fresh step (a code is taken once). */
  async function loginWithCode(email = ADMIN_EMAIL, password = ADMIN_PASSWORD, userSecret = secret) {
    const first = await post(t, '/api/auth/login', { email, password });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    clock.advance(STEP_MS);
    const second = await post(t, '/api/auth/login/code', { challenge: first.body.challenge, code: totpCode(userSecret, clock.now()) });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    return second.body.token as string;
  }

  before(async () => {
    t = await startServer(
      { TOTP_REQUIRED_FOR_SUPERADMINS: 'true', LOGIN_MAX_FAILURES_PER_EMAIL: '3', LOGIN_MAX_FAILURES_PER_IP: '1000', LOGIN_THROTTLE_WINDOW_MS: '60000' },
      { clock },
    );
  });
  after(() => t.dispose());

  test('a superadmin sets it up before anything else: QR code and key shown once, recovery codes shown once and kept hashed', async () => {
    superToken = await login(t.url);
    const pending = 'Set up your second factor first: your account requires one (the dashboard shows the set-up after login)';
    assertError(await http(t.url, 'GET', '/api/clients', { token: superToken }), 403, 'second_factor_setup_required', pending);
    assertError(await post(t, '/api/companies', { name: 'Not yet' }, superToken), 403, 'second_factor_setup_required', pending);
    assert.deepEqual((await handshakeRefusal(openSocket(t.url, { app: 'backend', token: superToken }))).data, { error: 'second_factor_setup_required' });
    const me = await http(t.url, 'GET', '/api/auth/me', { token: superToken });
    assert.deepEqual(me.body.data.second_factor, { enabled: false, required: true });

    // No body, as the dashboard sends it.
    const setup = await http(t.url, 'POST', '/api/auth/totp/setup', { token: superToken });
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    secret = setup.body.data.secret;
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(setup.body.data.otpauth_url, `otpauth://totp/VaahShare:${encodeURIComponent(ADMIN_EMAIL)}?issuer=VaahShare&secret=${secret}&algorithm=SHA1&digits=6&period=30`);
    assert.match(setup.body.data.qr_code, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);

    assertError(await post(t, '/api/auth/totp/enable', { code: wrongCode(secret, clock.now()) }, superToken), 400, 'wrong_code', /^That code does not match/);
    assertError(await post(t, '/api/auth/totp/enable', { code: '12 34' }, superToken), 400, 'bad_request', /Enter the 6-digit code your authenticator app shows/);
    assertError(await http(t.url, 'GET', '/api/clients', { token: superToken }), 403, 'second_factor_setup_required', pending, 'still pending');

    const enabled = await post(t, '/api/auth/totp/enable', { code: totpCode(secret, clock.now()) }, superToken);
    assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
    recoveryCodes = enabled.body.data.recovery_codes;
    assert.equal(recoveryCodes.length, 10);
    for (const code of recoveryCodes) assert.match(code, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
    assert.equal(new Set(recoveryCodes).size, 10);

    assert.equal((await http(t.url, 'GET', '/api/clients', { token: superToken })).status, 200, 'the session goes on once it is set up');
    const state = await http(t.url, 'GET', '/api/auth/totp', { token: superToken });
    assert.deepEqual(state.body.data, { enabled: true, required: true, recovery_codes_left: 10 });
    for (const answer of [state, await http(t.url, 'GET', '/api/auth/me', { token: superToken }), await http(t.url, 'GET', '/api/users', { token: superToken })]) {
      assert.doesNotMatch(JSON.stringify(answer.body), new RegExp(secret), 'the secret is never answered again');
    }
    assertError(await post(t, '/api/auth/totp/setup', {}, superToken), 409, 'conflict', 'Your second factor is on already: turn it off first to move it to another app');
    const stored = await t.server.ctx.db.selectFrom('recovery_codes').select('code_hash').execute();
    assert.deepEqual(stored.map((r) => r.code_hash).sort(), recoveryCodes.map((c) => sha256(c.replace('-', ''))).sort(), 'only hashes at rest (of the code without its dash)');
    const [entry] = await auditActions(t, superToken, 'user-totp-enabled');
    assert.equal(entry?.target.label, ADMIN_EMAIL);
  });

  test('login takes two steps; a code is taken once, even within its window, and a phone a step off still works', async () => {
    const first = await post(t, '/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body).sort(), ['challenge', 'expires_in_seconds', 'second_factor']);
    assert.equal(first.body.second_factor, 'totp');
    assert.equal(first.headers.get('set-cookie'), null, 'no session before the code');
    const { challenge } = first.body;
    const used = totpCode(secret, clock.now());
    assertError(await post(t, '/api/auth/login/code', { challenge, code: used }), 401, 'wrong_code', /^Wrong code, or one used already/, 'the code that enabled it, replayed');

    clock.advance(STEP_MS);
    const fresh = totpCode(secret, clock.now());
    const ok = await post(t, '/api/auth/login/code', { challenge, code: fresh });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.match(ok.headers.get('set-cookie') ?? '', /^vaahshare_session=/);
    assert.equal((await http(t.url, 'GET', '/api/clients', { token: ok.body.token })).status, 200);
    assertError(await post(t, '/api/auth/login/code', { challenge, code: fresh }), 401, 'login_expired', /^This login waited too long/, 'a challenge is used once');

    const again = (await post(t, '/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.challenge;
    assertError(await post(t, '/api/auth/login/code', { challenge: again, code: fresh }), 401, 'wrong_code', /^Wrong code/, 'the same code on another login in its window');
    // The phone's clock a step behind: its code (of a step not taken yet) is valid; the one of two steps ago is not.
    clock.advance(3 * STEP_MS);
    assertError(await post(t, '/api/auth/login/code', { challenge: again, code: totpCode(secret, clock.now() - 2 * STEP_MS) }), 401, 'wrong_code', /^Wrong code/, 'two steps old');
    assert.equal((await post(t, '/api/auth/login/code', { challenge: again, code: totpCode(secret, clock.now() - STEP_MS) })).status, 200, 'one step behind');
    const later = (await post(t, '/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.challenge;
    assertError(await post(t, '/api/auth/login/code', { challenge: later, code: totpCode(secret, clock.now() - STEP_MS) }), 401, 'wrong_code', /^Wrong code/, 'the step before, taken');
    assert.equal((await post(t, '/api/auth/login/code', { challenge: later, code: totpCode(secret, clock.now()) })).status, 200, 'a later step');

    const [loggedIn] = await auditActions(t, superToken, 'logged-in');
    assert.deepEqual(loggedIn?.details, { second_factor: 'totp' });
    const [failed] = await auditActions(t, superToken, 'login-failed');
    assert.deepEqual(failed?.details, { reason: 'wrong_code' });
  });

  test('a login waits five minutes for its code; a recovery code works once, however it is typed', async () => {
    const stale = (await post(t, '/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.challenge;
    clock.advance(5 * 60_000);
    assertError(await post(t, '/api/auth/login/code', { challenge: stale, code: totpCode(secret, clock.now()) }), 401, 'login_expired', 'This login waited too long for its code: enter your e-mail and password again');

    const challenge = (await post(t, '/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.challenge;
    const typed = ` ${recoveryCodes[0].toUpperCase().replace('-', ' - ')} `;
    const ok = await post(t, '/api/auth/login/code', { challenge, code: typed });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const [loggedIn] = await auditActions(t, superToken, 'logged-in');
    assert.deepEqual(loggedIn?.details, { second_factor: 'recovery-code' });
    const next = (await post(t, '/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.challenge;
    assertError(await post(t, '/api/auth/login/code', { challenge: next, code: recoveryCodes[0] }), 401, 'wrong_code', /^Wrong code/, 'a used recovery code');
    assert.equal((await http(t.url, 'GET', '/api/auth/totp', { token: ok.body.token })).body.data.recovery_codes_left, 9);
    assertError(await post(t, '/api/auth/totp/disable', { password: ADMIN_PASSWORD }, ok.body.token), 403, 'forbidden', /^Your account requires a second factor/);
  });

  test('an admin may add one and turn it off with the password; a superadmin resets it for a lost phone; wrong codes are throttled', async () => {
    superToken = await loginWithCode();
    const companyId = (await api(t.url, '/api/auth/me', { token: superToken })).body.data.company_id;
    const ann = { email: 'ann@acme.example', password: 'ann-password-1' };
    const created = await post(t, '/api/users', { ...ann, company_id: companyId, role: 'admin' }, superToken);
    assert.equal(created.status, 201);
    const annId = created.body.data.id;
    let annToken = await login(t.url, ann.email, ann.password);
    assert.deepEqual((await api(t.url, '/api/auth/me', { token: annToken })).body.data.second_factor, { enabled: false, required: false });
    assert.equal((await http(t.url, 'GET', '/api/clients', { token: annToken })).status, 200, 'an admin may go without');

    const annSecret = (await enroll(t, annToken, clock.now())).secret;
    assertError(await post(t, '/api/auth/totp/disable', { password: 'wrong-password' }, annToken), 403, 'forbidden', 'The password is wrong');
    assert.equal((await post(t, '/api/auth/totp/disable', { password: ann.password }, annToken)).status, 200);
    assert.ok((await post(t, '/api/auth/login', ann)).body.token, 'the password alone again');
    clock.advance(STEP_MS);
    const annAgain = await enroll(t, annToken, clock.now());
    assert.notEqual(annAgain.secret, annSecret);

    // Three wrong codes for her e-mail: then even the right code waits (the password throttle counts codes too).
    const challenge = (await post(t, '/api/auth/login', ann)).body.challenge;
    clock.advance(STEP_MS);
    for (let i = 0; i < 3; i++) assertError(await post(t, '/api/auth/login/code', { challenge, code: wrongCode(annAgain.secret, clock.now()) }), 401, 'wrong_code', /^Wrong code/);
    const throttled = await post(t, '/api/auth/login/code', { challenge, code: totpCode(annAgain.secret, clock.now()) });
    assertError(throttled, 429, 'too_many_attempts', 'Too many failed logins: try again in 60 s');

    assertError(await http(t.url, 'DELETE', `/api/users/1/totp`, { token: annToken }), 403, 'forbidden', 'Only a superadmin may reset a second factor');
    assertError(await http(t.url, 'DELETE', `/api/users/1/totp`, { token: superToken }), 400, 'bad_request', 'Turn your own second factor off in your account settings');
    const listed = (await api(t.url, '/api/users', { token: superToken })).body.data.find((u: { id: number }) => u.id === annId);
    assert.equal(listed.second_factor, true);
    const reset = await http(t.url, 'DELETE', `/api/users/${annId}/totp`, { token: superToken });
    assert.deepEqual([reset.status, reset.body.data.second_factor], [200, false]);
    assertError(await http(t.url, 'GET', '/api/auth/me', { token: annToken }), 401, 'unauthorized', 'Your session expired or is invalid: log in again', 'her sessions ended');
    clock.advance(61_000);
    annToken = (await post(t, '/api/auth/login', ann)).body.token;
    assert.ok(annToken, 'she logs in with her password alone');
    const [entry] = await auditActions(t, superToken, 'user-totp-reset');
    assert.deepEqual([entry?.actor.email, entry?.target.label], [ADMIN_EMAIL, ann.email]);
  });

  test('a company may require a second factor of its admins: theirs is pending until set up', async () => {
    const companyId = (await api(t.url, '/api/auth/me', { token: superToken })).body.data.company_id;
    const bo = { email: 'bo@acme.example', password: 'bo-password-12' };
    assert.equal((await post(t, '/api/users', { ...bo, company_id: companyId, role: 'admin' }, superToken)).status, 201);
    const boToken = await login(t.url, bo.email, bo.password);
    assert.equal((await http(t.url, 'GET', '/api/clients', { token: boToken })).status, 200);

    const set = await http(t.url, 'PATCH', `/api/companies/${companyId}/access`, { token: superToken, headers: json, body: JSON.stringify({ require_admin_totp: true }) });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.data.require_admin_totp, true);
    assertError(await http(t.url, 'GET', '/api/clients', { token: boToken }), 403, 'second_factor_setup_required', /^Set up your second factor first/, 'at once, in the open session');
    assert.deepEqual((await api(t.url, '/api/auth/me', { token: boToken })).body.data.second_factor, { enabled: false, required: true });
    await enroll(t, boToken, clock.now());
    assert.equal((await http(t.url, 'GET', '/api/clients', { token: boToken })).status, 200);
    const [entry] = await auditActions(t, superToken, 'settings-changed');
    assert.deepEqual(entry?.details, { require_admin_totp: { from: false, to: true } });
  });
});
