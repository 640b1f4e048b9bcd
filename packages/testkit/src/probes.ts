import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import type { Database } from '@vaahshare/server/db/schema';
import type { TestServer, TestSocket } from './harness.js';

/** What a refused handshake reported: the error's message and its `data` ({ error: code }). */
export interface Refusal {
  message: string;
  data: unknown;
}

/** Resolves with the `connect_error` of a socket the server must refuse; fails if it connects. */
export function handshakeRefusal(socket: TestSocket, timeoutMs = 5000): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('neither connect nor connect_error'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error('the server accepted a socket it should have refused'));
    });
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      clearTimeout(timer);
      socket.close();
      resolve({ message: err.message, data: err.data });
    });
  });
}

/** The same socket without the typed event maps, to send what a well-behaved agent never would. */
export const untyped = (socket: TestSocket) => socket as unknown as Socket;

export async function rowCount(t: TestServer, table: keyof Database): Promise<number> {
  const row = await t.server.ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: any;
}

/** A raw HTTP request: any method, body and headers, so malformed requests can be sent as they are. */
export async function http(
  url: string,
  method: string,
  pathname: string,
  init: { token?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const res = await fetch(`${url}${pathname}`, {
    method,
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
    body: init.body,
  });
  const text = await res.text();
  let body: unknown = text;
  if (res.headers.get('content-type')?.startsWith('application/json')) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}

/** Asserts a JSON error answer: the status, the code and the exact sentence. */
export function assertError(result: HttpResult, status: number, error: string, message: string | RegExp, what = '') {
  const label = `${what} → ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`;
  assert.equal(result.status, status, label);
  assert.match(result.headers.get('content-type') ?? '', /^application\/json/, label);
  assert.deepEqual(Object.keys(result.body).sort(), ['error', 'message'], label);
  assert.equal(result.body.error, error, label);
  if (typeof message === 'string') assert.equal(result.body.message, message, label);
  else assert.match(result.body.message, message, label);
}
