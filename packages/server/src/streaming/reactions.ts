import type { DomainEventBus } from '../events/domain-events.js';
import type { Streams } from './streams.service.js';
import type { Viewers } from './viewers.js';

/** What streaming does when presence changes. */
export function listenToPresence(events: DomainEventBus, streams: Streams, viewers: Viewers) {
  // Nobody will resume what a client that is gone for good had open.
  events.on('client-gone', (client) => streams.clientGone(client.id));
  events.on('agent-connected', async ({ clientId, legacy, changed }) => {
    // The original client starts a fresh recording after a comeback: what it had open is finished.
    if (legacy && changed) await streams.clientGone(clientId);
    // If someone already watches, the agent should stream at once.
    await viewers.greetAgent(clientId);
  });
}
