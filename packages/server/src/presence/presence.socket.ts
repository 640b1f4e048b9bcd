import { clientConnectedSchema } from '@vaahshare/protocol';
import { z } from 'zod';
import { agentsRoom, type AppContext } from '../context.js';
import { findCompany } from '../companies/companies.repository.js';
import { AppError, badRequest } from '../errors.js';
import type { SocketHandlers } from '../infra/socket-handler.js';
import type { AgentSocket } from '../sockets.js';
import type { Connection, Presence } from './presence.service.js';

const noPayload = z.unknown();

/** The connection this socket holds, if `client-connected` made it a client's socket. */
export function connectionOf(socket: AgentSocket): Connection | undefined {
  const { clientId, generation, companyId } = socket.data;
  const userHost = socket.data.userHost;
  if (clientId === undefined || generation === undefined || companyId === null || userHost === undefined) return;
  return { clientId, generation, companyId, userHost };
}

async function resolveCompany(ctx: AppContext, socket: AgentSocket, requested: number | undefined): Promise<number> {
  if (!socket.data.legacy) return socket.data.companyId!;
  // A legacy client names its company itself; it must exist, else nothing is stored and the socket goes.
  if (requested === undefined || !(await findCompany(ctx.db, requested))) {
    setImmediate(() => socket.disconnect(true));
    throw new AppError('unknown_company', `Company ${requested ?? '(none)'} does not exist: check the company id in the app's settings`);
  }
  return requested;
}

export function registerPresenceHandlers(
  ctx: AppContext,
  handlers: SocketHandlers,
  presence: Presence,
  socket: AgentSocket,
  hooks: { isShuttingDown: () => boolean; afterConnect: (connection: Connection, changed: boolean) => Promise<void> },
) {
  handlers.on(socket, 'client-connected', clientConnectedSchema, async (payload) => {
    const companyId = await resolveCompany(ctx, socket, payload.company_id);
    const { client, connection, changed } = await presence.connect({
      companyId,
      userHost: payload.machine_info.user_host,
      socketId: socket.id,
      tokenId: socket.data.tokenId,
      meta: payload.machine_info,
      held: connectionOf(socket),
    });
    Object.assign(socket.data, {
      companyId,
      clientId: connection.clientId,
      generation: connection.generation,
      userHost: connection.userHost,
    });
    void socket.join(agentsRoom(companyId));
    socket.emit('client-connected-success', { client });
    const settings = await ctx.companies.settings(companyId);
    if (settings) socket.emit('settings', settings);
    await hooks.afterConnect(connection, changed);
    const company = await ctx.companies.company(companyId);
    return { ok: true, client, ...(company && { company }) };
  });

  handlers.on(socket, 'app-closed', noPayload, async () => {
    const connection = connectionOf(socket);
    if (!connection) throw badRequest('Send client-connected first');
    // Only the socket's own connection is closed: a stale socket changes nothing.
    await presence.close(connection);
    socket.data.generation = undefined;
  });

  handlers.onDisconnect(socket, async () => {
    // At shutdown the node hands all its clients over at once (releaseNode), not one by one.
    const connection = connectionOf(socket);
    if (connection && !hooks.isShuttingDown()) await presence.drop(connection);
  });
}
