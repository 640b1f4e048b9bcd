import { agentUpdateStatusSchema } from '@vaahshare/protocol';
import type { AppContext } from '../context.js';
import { AppError, badRequest } from '../errors.js';
import { connectionOf, type PresenceFace } from '../presence/index.js';
import type { SocketHandlers } from '../infra/socket-handler.js';

/** `agent-update-status`: the agent's self-update started or failed; kept in the client's `meta.agent_update`, shown to dashboards. */
export function registerUpdateStatusHandler(ctx: AppContext, clients: Pick<PresenceFace['clients'], 'setMeta'>, handlers: SocketHandlers) {
  handlers.onAgent('agent-update-status', agentUpdateStatusSchema, async (socket, status) => {
    const connection = connectionOf(socket);
    if (!connection) throw badRequest('Send client-connected first');
    const client = await clients.setMeta(connection, 'agent_update', { ...status, at: status.at ?? new Date(ctx.clock.now()).toISOString() });
    if (!client) throw new AppError('stale_connection', 'This socket no longer holds the client connection: send client-connected again', 409);
    if (status.state === 'failed') ctx.log.warn({ client: client.user_host, version: status.version, reason: status.reason }, 'agent self-update failed');
    ctx.broadcast.toGroup(client.company_id, client.group_id).emit('client-updated', client);
    return { ok: true, client };
  });
}
