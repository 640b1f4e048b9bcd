import type { PresenceEventName } from '@vaahshare/protocol';
import type { Broadcast } from '../broadcast.js';
import type { DomainEventBus } from '../events/domain-events.js';
import type { Metrics } from '../infra/metrics.js';

/** The presence transitions, and what the company's dashboards hear of each (PROTOCOL.md §4). */
const ON_THE_WIRE = {
  'client-connected': 'client-connected',
  'client-reconnecting': 'client-reconnecting',
  'client-gone': 'client-disconnected',
} as const satisfies Record<string, PresenceEventName>;

/** Each transition is counted and told to the dashboards that may see the client (its company's admins, its group's viewers). */
export function announceTransitions(events: DomainEventBus, broadcast: Pick<Broadcast, 'toGroup'>, metrics: Metrics) {
  for (const [event, wireName] of Object.entries(ON_THE_WIRE) as Array<[keyof typeof ON_THE_WIRE, PresenceEventName]>) {
    const state = { state: wireName.replace('client-', '') };
    events.on(event, (client) => {
      metrics.transitions.inc(state);
      broadcast.toGroup(client.company_id, client.group_id).emit(wireName, client);
    });
  }
  events.on('clients-released', ({ count }) => void metrics.transitions.inc({ state: 'reconnecting' }, count));
}
