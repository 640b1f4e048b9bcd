import type { Alert } from '@vaahshare/protocol';
import { companyRoom, type AppContext } from '../context.js';
import { insertAlert } from './alerts.repository.js';

/** Stores an idle alert of a client and tells the company's dashboards. */
export async function raiseIdleAlert(
  ctx: Pick<AppContext, 'db' | 'io' | 'clock'>,
  target: { companyId: number; clientId: number },
  idleSeconds: number,
): Promise<Alert> {
  const alert = await insertAlert(ctx.db, { ...target, idleSeconds, now: ctx.clock.now() });
  ctx.io.to(companyRoom(target.companyId)).emit('alert-created', { alert });
  return alert;
}
