import type { Actor, DomainEventBus } from '../events/domain-events.js';
import type { Clock } from '../infra/clock.js';

/**
 * One dashboard socket's live views, for the audit trail: who watched which client from when to when. A view
 * starts at the first `watch` of a client and ends at its `unwatch` or when the socket disconnects; a view
 * started after the socket closed (a `watch` still in its queue) ends at once.
 */
export function trackLiveViews(deps: { events: DomainEventBus; clock: Clock }, actor: Actor, companyId: number) {
  const open = new Map<number, { label: string; startedAt: number }>();
  let closed = false;

  function end(clientId: number): Promise<void> {
    const view = open.get(clientId);
    if (!view) return Promise.resolve();
    open.delete(clientId);
    return deps.events.emitAndWait('live-view-ended', { actor, companyId, clientId, label: view.label, startedAt: view.startedAt });
  }

  return {
    async started(clientId: number, label: string): Promise<void> {
      if (open.has(clientId)) return;
      const startedAt = deps.clock.now();
      open.set(clientId, { label, startedAt });
      await deps.events.emitAndWait('live-view-started', { actor, companyId, clientId, label, startedAt });
      if (closed) await end(clientId);
    },
    ended: end,
    /** The socket disconnected: every view it had ends now. */
    async closeAll(): Promise<void> {
      closed = true;
      for (const clientId of [...open.keys()]) await end(clientId);
    },
  };
}
