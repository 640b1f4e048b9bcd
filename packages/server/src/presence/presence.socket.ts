import { clientConnectedSchema } from '@vaahshare/protocol';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { CompaniesFace } from '../companies/index.js';
import { AppError, badRequest } from '../errors.js';
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

type CompanyGate = Pick<CompaniesFace, 'admitsOriginalClient'>;

async function resolveCompany(companies: CompanyGate, socket: AgentSocket, requested: number | undefined): Promise<number> {
  if (!socket.data.legacy) return socket.data.companyId!;
  // A legacy client names its company itself; it must accept original clients from the socket's address, else
  // nothing is stored and the socket goes. An unknown company gets the same answer: ids are not to be probed.
  if (requested === undefined || !(await companies.admitsOriginalClient(requested, socket.data.address ?? ''))) {
    setImmediate(() => socket.disconnect(true));
    throw new AppError('unknown_company', originalClientRefused(requested));
  }
  return requested;
}

export const originalClientRefused = (companyId: number | undefined) =>
  `Company ${companyId ?? '(none)'} does not exist or does not accept this app from your address: check the company id in the app's settings, or ask the company's admin`;

export function registerPresenceHandlers(
  ctx: AppContext,
  { presence, companies, isShuttingDown }: { presence: Presence; companies: CompanyGate; isShuttingDown: () => boolean },
) {
  const { handlers, events } = ctx;
  handlers.onAgent('client-connected', clientConnectedSchema, async (socket, payload) => {
    const companyId = await resolveCompany(companies, socket, payload.company_id);
    const readFrom = ctx.clock.now();
    const { client, connection, changed, deviceSecret } = await presence.connect({
        companyId,
        userHost: payload.machine_info.user_host,
        socketId: socket.id,
        tokenId: socket.data.tokenId,
        legacy: socket.data.legacy,
        deviceSecret: payload.device_secret,
        meta: payload.machine_info,
        held: connectionOf(socket),
      });
    Object.assign(socket.data, {
      companyId,
      clientId: connection.clientId,
      generation: connection.generation,
      userHost: connection.userHost,
    });
    ctx.broadcast.joinCompanyAgents(socket, companyId);
    const enrolled = deviceSecret ? { device_secret: deviceSecret } : {};
    socket.emit('client-connected-success', { client, ...enrolled });
    const settings = await ctx.companies.settings(companyId);
    if (settings) socket.emit('settings', settings);
    ctx.broadcast.joinClient(socket, connection.clientId);
    const placed = { companyId, groupId: client.group_id, at: readFrom };
    await events.emitAndWait('agent-connected', { clientId: connection.clientId, legacy: socket.data.legacy, changed, socketId: socket.id, machineInfo: payload.machine_info, placed });
    const company = await ctx.companies.company(companyId);
    return { ok: true, client, ...(company && { company }), ...enrolled };
  });

  handlers.onAgent('app-closed', noPayload, async (socket) => {
    const connection = connectionOf(socket);
    if (!connection) throw badRequest('Send client-connected first');
    // Only the socket's own connection is closed: a stale socket changes nothing.
    await presence.close(connection);
    socket.data.generation = undefined;
  });

  handlers.onAgentDisconnect(async (socket) => {
    // At shutdown the node hands all its clients over at once (releaseNode), not one by one.
    const connection = connectionOf(socket);
    if (connection && !isShuttingDown()) await presence.drop(connection);
  });
}
