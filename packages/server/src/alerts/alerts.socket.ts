import { alertSchema } from '@vaahshare/protocol';
import { badRequest } from '../errors.js';
import type { SocketHandlers } from '../infra/socket-handler.js';
import { connectionOf } from '../presence/index.js';
import type { Alerts } from './alerts.service.js';

export function registerAlertHandlers(alerts: Alerts, handlers: SocketHandlers) {
  handlers.onAgent('alert', alertSchema, async (socket, payload) => {
    const connection = connectionOf(socket);
    if (!connection) throw badRequest('Send client-connected first');
    const alert = await alerts.raiseIdle(connection, {
      idleSeconds: payload.idle_seconds,
      alertId: payload.alert_id,
      occurredAt: payload.occurred_at,
      awaySeconds: payload.away_seconds,
    });
    return { ok: true, alert };
  });
}
