import { alertSchema } from '@vaahshare/protocol';
import type { AppContext } from '../context.js';
import { badRequest } from '../errors.js';
import type { SocketHandlers } from '../infra/socket-handler.js';
import { connectionOf } from '../presence/presence.socket.js';
import type { AgentSocket } from '../sockets.js';
import { raiseIdleAlert } from './alerts.service.js';

export function registerAlertHandlers(ctx: AppContext, handlers: SocketHandlers, socket: AgentSocket) {
  handlers.on(socket, 'alert', alertSchema, async (payload) => {
    const connection = connectionOf(socket);
    if (!connection) throw badRequest('Send client-connected first');
    const alert = await raiseIdleAlert(ctx, connection, {
      idleSeconds: payload.idle_seconds,
      alertId: payload.alert_id,
      occurredAt: payload.occurred_at,
      awaySeconds: payload.away_seconds,
    });
    return { ok: true, alert };
  });
}
