import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Client, ClientToServerEvents, MachineInfo, ServerToClientEvents } from '@vaahshare/protocol';
import { buildApp, type BuildOptions, type VaahShareApp } from '@vaahshare/server/app';
import { loadConfig } from '@vaahshare/server/config';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct horse battery';
export const AGENT_TOKEN = 'test-enrollment-token-0000';
/** Test servers serve /metrics to this bearer token (`readMetrics`). */
export const METRICS_TOKEN = 'test-metrics-token-0123456789';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const madeDirs: string[] = [];
// Removed when the test file's process ends (node's test runner gives each file its own; `--test-force-exit` still
// runs 'exit' listeners): a run of the suite otherwise leaves ~400 MB in the system's temporary directory — agent
// spools, databases, a self-updated agent's copies — and a developer who runs it often fills it.
// KEEP_TEST_DIRS=1 keeps them, to look into after a failure.
process.on('exit', () => {
  if (process.env.KEEP_TEST_DIRS === '1') return;
  for (const dir of madeDirs) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/** A new directory under the system's temporary one, removed when this test file's process ends. */
export function tempDir(prefix = 'vaahshare-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

/**
 * A fresh database for one test server: a temporary SQLite file, or — when TEST_DATABASE_URL names a
 * PostgreSQL server — a new database on it, so that the same suite runs against both engines.
 */
export async function freshDatabaseEnv(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) return { env: {}, drop: async () => {} };
  const name = `vaahshare_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestServer {
  server: VaahShareApp;
  url: string;
  port: number;
  dataDir: string;
  env: Record<string, string>;
  /** Stops the server (graceful) and keeps its data; `dispose` also deletes it. */
  close: () => Promise<void>;
  dispose: () => Promise<void>;
}

export function testEnv(dataDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AGENT_TOKEN,
    METRICS_TOKEN,
    RECONNECT_GRACE_MS: '60000',
    NODE_ID: 'test-node',
    // The bootstrap superadmin of most tests logs in with its password alone; the second factor's tests require it.
    TOTP_REQUIRED_FOR_SUPERADMINS: 'false',
    // OWASP's cheapest argon2id cost (25 ms of CPU a hash here) instead of the default 64 MiB × 3 (330 ms): the
    // servers of one run of the suite hash and check ~1 000 passwords, a third of its CPU at the default.
    PASSWORD_HASH_MEMORY_KIB: '7168',
    PASSWORD_HASH_ITERATIONS: '5',
    ...overrides,
  };
}

/** Starts a real server in this process on a random port, on a fresh database (`options`: e.g. a fake clock). */
export async function startServer(overrides: Record<string, string> = {}, options: BuildOptions = {}): Promise<TestServer> {
  const dataDir = overrides.DATA_DIR ?? tempDir();
  const database = overrides.DATABASE_URL || !process.env.TEST_DATABASE_URL ? { env: {}, drop: async () => {} } : await freshDatabaseEnv();
  const env = testEnv(dataDir, { ...database.env, ...overrides });
  const server = await buildApp(loadConfig(env), options);
  await server.listen();
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = () => server.close();
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    env,
    close,
    dispose: async () => {
      await close();
      await database.drop();
      // close() returned once every ffmpeg the server started had exited: nothing writes in the folder any more.
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function machineInfo(userHost: string): MachineInfo {
  const [username, hostname] = userHost.split('@');
  return { user_host: userHost, username, hostname, platform: 'linux', operatingSystem: 'Linux 6.1', macAddress: '00:11:22:33:44:55' };
}

interface ConnectOptions {
  token?: string | null;
  app?: string;
  auth?: Record<string, unknown>;
  extraHeaders?: Record<string, string>;
}

const openSockets = new Set<TestSocket>();

/** Closes every socket a test opened, so that a failed assertion never leaves reconnecting clients keeping the process alive. */
export function disconnectAll(): void {
  for (const socket of openSockets) socket.disconnect();
  openSockets.clear();
}

/** A real Socket.IO client over WebSocket; it does not reconnect by itself unless asked. */
export function openSocket(url: string, options: ConnectOptions = {}, reconnection = false): TestSocket {
  const auth = options.auth ?? (options.token === null ? {} : { token: options.token ?? AGENT_TOKEN });
  const socket: TestSocket = ioClient(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection,
    query: { app: options.app ?? 'agent' },
    auth,
    extraHeaders: options.extraHeaders,
  });
  openSockets.add(socket);
  return socket;
}

export function waitForEvent<T = unknown>(socket: TestSocket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), timeoutMs);
    (socket as unknown as Socket).once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

export async function connected(socket: TestSocket): Promise<void> {
  if (socket.connected) return;
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

/**
 * The device secrets agents of this process got when they enrolled (PROTOCOL.md §2), by token and `user_host`:
 * like a real agent, a test agent presents its secret on every later connection. A fresh server that does not know
 * the identity ignores a stale one and enrolls it anew.
 */
const deviceSecrets = new Map<string, string>();
const secretKey = (options: ConnectOptions, userHost: string) => `${options.token ?? AGENT_TOKEN}\u0000${userHost}`;

/** The `client-connected` payload of `userHost`, with the device secret remembered for it. */
export function hello(userHost: string, options: ConnectOptions = {}) {
  const device_secret = deviceSecrets.get(secretKey(options, userHost));
  return { machine_info: machineInfo(userHost), ...(device_secret && { device_secret }) };
}

/** Keeps the device secret a `client-connected` reply issued (the connection enrolled the desktop). */
export function rememberDeviceSecret(userHost: string, reply: { ok: boolean; device_secret?: string }, options: ConnectOptions = {}) {
  if (reply.ok && reply.device_secret) deviceSecrets.set(secretKey(options, userHost), reply.device_secret);
}

/** The device secret remembered for `userHost` (undefined before it enrolled). */
export const deviceSecretOf = (userHost: string, options: ConnectOptions = {}) => deviceSecrets.get(secretKey(options, userHost));

/** Connects an agent and announces it with `client-connected`; resolves with the server's ack. */
export async function connectAgent(url: string, userHost: string, options: ConnectOptions = {}) {
  const socket = openSocket(url, options);
  await connected(socket);
  const reply = await socket.timeout(5000).emitWithAck('client-connected', hello(userHost, options));
  if (!reply.ok) throw new Error(`client-connected refused: ${reply.message}`);
  rememberDeviceSecret(userHost, reply, options);
  return { socket, client: reply.client, deviceSecret: deviceSecretOf(userHost, options) };
}

export interface RecordedEvent {
  event: string;
  client: Client;
}

/** A dashboard socket that records every presence event it receives, in order. */
export async function connectDashboard(url: string, token: string, auth: Record<string, unknown> = {}) {
  const socket = openSocket(url, { app: 'backend', auth: { token, ...auth } });
  const events: RecordedEvent[] = [];
  for (const event of ['client-connected', 'client-reconnecting', 'client-disconnected'] as const) {
    socket.on(event, (client: Client) => events.push({ event, client }));
  }
  await connected(socket);
  return { socket, events, of: (userHost: string) => events.filter((e) => e.client.user_host === userHost).map((e) => e.event) };
}

/**
 * A round trip on one socket (an event the server answers at once, changing nothing): once it returns, everything
 * the server sent this socket before has arrived, a connection delivering in order.
 */
export async function roundTrip(socket: TestSocket): Promise<void> {
  const reply = await (socket as unknown as Socket).timeout(5000).emitWithAck('round-trip');
  if (reply?.error !== 'unknown_event') throw new Error(`round trip answered ${JSON.stringify(reply)}`);
}

type Dashboard = Awaited<ReturnType<typeof connectDashboard>>;
let witnesses = 0;

/**
 * Waits until `dashboard` has heard every presence event announced before now: a witness agent connects (with
 * `token`, in that company) and its `client-connected` reaches the dashboard after them, a company's events
 * arriving in order. Instead of "nothing else arrived after a sleep".
 */
export async function heardAll(url: string, dashboard: Dashboard, token?: string): Promise<void> {
  const userHost = `witness-${++witnesses}@testkit`;
  const witness = await connectAgent(url, userHost, token ? { token } : {});
  await waitUntil(() => dashboard.of(userHost).length > 0, 10_000, `${userHost} announced`);
  witness.socket.disconnect();
}

/**
 * Waits until a grace period starting now is over for every client dropped before now: a witness agent dropped
 * now is disconnected after them (grace timers and sweeps go by deadline) and the dashboards hear it after theirs.
 * With several nodes, pass a dashboard of each: whichever node expires the witness tells only its own dashboards.
 */
export async function graceOver(url: string, dashboards: Dashboard | Dashboard[], graceMs: number, token?: string): Promise<void> {
  const all = Array.isArray(dashboards) ? dashboards : [dashboards];
  const userHost = `witness-${++witnesses}@testkit`;
  const witness = await connectAgent(url, userHost, token ? { token } : {});
  witness.socket.disconnect();
  const heard = () => all.some((dashboard) => dashboard.of(userHost).includes('client-disconnected'));
  await waitUntil(heard, graceMs * 10 + 10_000, `${userHost} disconnected after its grace`);
  for (const dashboard of all) await roundTrip(dashboard.socket);
}

export async function login(url: string, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function api<T = any>(url: string, pathname: string, init: { token?: string; method?: string; body?: unknown } = {}) {
  const res = await fetch(`${url}${pathname}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Checks every `everyMs` until `check` holds; `what` (or what it returns at the deadline) says what was awaited. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what: string | (() => string) = 'condition', everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The Prometheus text of a test server's /metrics. */
export async function readMetrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
