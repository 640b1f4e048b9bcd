import proxyAddr from '@fastify/proxy-addr';
import type { User } from '@vaahshare/protocol';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../events/domain-events.js';
import type { AgentSocket } from '../sockets.js';

/** A logged-in user acting through a REST request, from the address Fastify's trustProxy resolved. */
export const actorOf = (user: User, request: Pick<FastifyRequest, 'ip'>): Actor => ({
  kind: 'user',
  userId: user.id,
  email: user.email,
  companyId: user.company_id,
  ip: request.ip,
});

/**
 * The client address of a socket, resolved as Fastify resolves a request's (`TRUST_PROXY`): X-Forwarded-For is
 * believed only from the trusted proxies, else the peer's own address is the client's.
 */
export function socketAddress(socket: Pick<AgentSocket, 'handshake' | 'request'>, trusted: string[]): string {
  return trusted.length ? proxyAddr(socket.request, proxyAddr.compile(trusted)) : socket.handshake.address;
}

/** The user of a dashboard socket (who passed the handshake), from the socket's address. */
export const socketActor = (socket: Pick<AgentSocket, 'handshake' | 'request' | 'data'>, trusted: string[]): Actor => ({
  kind: 'user',
  userId: socket.data.userId ?? null,
  email: socket.data.userName ?? null,
  companyId: socket.data.companyId,
  ip: socketAddress(socket, trusted),
});
