import { pauseSchema } from '@vaahshare/protocol';
import { z } from 'zod';
import { badRequest } from '../errors.js';
import type { SocketHandlers } from '../infra/socket-handler.js';
import type { AgentSocket } from '../sockets.js';
import type { Pauses } from './pauses.js';
import { connectionOf } from './presence.socket.js';

const noPayload = z.unknown();

function connected(socket: AgentSocket) {
  const connection = connectionOf(socket);
  if (!connection || socket.data.legacy) throw badRequest('Send client-connected first');
  return connection;
}

/** `pause` and `resume` from an agent's window (PROTOCOL.md §8.9). */
export function registerPauseHandlers(handlers: SocketHandlers, pauses: Pauses) {
  handlers.onAgent('pause', pauseSchema, async (socket, { minutes, reason }) => {
    const connection = connected(socket);
    return { ok: true, pause: await pauses.start(connection, minutes, reason) };
  });
  handlers.onAgent('resume', noPayload, async (socket) => {
    const connection = connected(socket);
    return { ok: true, pause: await pauses.end(connection.clientId) };
  });
}
