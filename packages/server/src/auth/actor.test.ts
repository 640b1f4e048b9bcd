import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { socketAddress } from './actor.js';

const socketFrom = (peer: string, forwarded: string) => ({
  handshake: { address: peer } as never,
  request: { headers: { 'x-forwarded-for': forwarded }, socket: { remoteAddress: peer } } as unknown as IncomingMessage,
});

test('a socket’s X-Forwarded-For is believed only from a trusted proxy, as a request’s is', () => {
  assert.equal(socketAddress(socketFrom('127.0.0.1', '203.0.113.7'), []), '127.0.0.1', 'no TRUST_PROXY: the peer');
  assert.equal(socketAddress(socketFrom('127.0.0.1', '203.0.113.7'), ['loopback']), '203.0.113.7');
  assert.equal(socketAddress(socketFrom('198.51.100.9', '203.0.113.7'), ['loopback']), '198.51.100.9', 'a peer that is not the proxy');
});
