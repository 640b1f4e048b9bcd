import type { Broadcast } from '../broadcast.js';
import { toClient } from '../presence/index.js';
import type { Moved } from './groups.repository.js';

/**
 * Clients changed group: the dashboards of the old group and of the new one hear `client-updated` (a viewer's
 * dashboard drops a client whose group it no longer has), and live viewers who may no longer see it are cut.
 */
export function announceMoves(broadcast: Pick<Broadcast, 'toGroups' | 'disconnectViewersOutside'>, { rows, from }: Moved) {
  for (const row of rows) {
    const before = from.get(row.id);
    broadcast.toGroups(row.company_id, before === undefined ? [row.group_id] : [row.group_id, before]).emit('client-updated', toClient(row));
    broadcast.disconnectViewersOutside(row.id, row.company_id, row.group_id);
  }
}
