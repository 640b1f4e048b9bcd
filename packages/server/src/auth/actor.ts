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
 * The client address of a socket, resolved as Fastify's `trustProxy: true` resolves a request's: the first
 * X-Forwarded-For hop (the proxy in front forwards the browser's), else the peer's address.
 */
export function socketAddress(socket: Pick<AgentSocket, 'handshake'>): string {
  const forwarded = socket.handshake.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || socket.handshake.address;
}

/** The user of a dashboard socket (who passed the handshake), from the socket's address. */
export const socketActor = (socket: Pick<AgentSocket, 'handshake' | 'data'>): Actor => ({
  kind: 'user',
  userId: socket.data.userId ?? null,
  email: socket.data.userName ?? null,
  companyId: socket.data.companyId,
  ip: socketAddress(socket),
});
