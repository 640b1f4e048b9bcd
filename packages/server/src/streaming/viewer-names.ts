import type { FastifyBaseLogger } from 'fastify';
import type { CompanyCache } from '../companies/company-cache.js';
import type { IoServer } from '../context.js';
import { clientRoom, pausedRoom, watchedClientOf, watchRoom } from '../context.js';
import { runInBackground } from '../infra/background.js';

/** What an agent's window shows for a viewer when the company hides names: that someone watches, never who. */
export const HIDDEN_VIEWER_NAME = 'an administrator';

const pausedClientOf = (room: string): number | undefined => {
  const match = /^paused:(\d+)$/.exec(room);
  return match ? Number(match[1]) : undefined;
};

/**
 * Tells each agent who watches its desktop live (`viewers { names }`, PROTOCOL.md §8.9) whenever that
 * changes: the names of the dashboard users in its watch room (a paused viewer still watches), on this
 * node and, through reports between nodes, on the others. A company can hide the names, never the viewers.
 */
export function createViewerNames(io: IoServer, options: { companies: CompanyCache; nodeId: string; clustered: boolean; log: FastifyBaseLogger }) {
  const adapter = io.of('/').adapter;
  /** client id → node id → the names watching there. */
  const remote = new Map<number, Map<string, string[]>>();
  /** What each client's agents were last told, so a move between the watch and paused rooms tells nothing. */
  const told = new Map<number, string>();

  function localNames(clientId: number): string[] {
    const ids = new Set([...(adapter.rooms.get(watchRoom(clientId)) ?? []), ...(adapter.rooms.get(pausedRoom(clientId)) ?? [])]);
    return [...ids].map((id) => io.of('/').sockets.get(id)?.data.userName ?? HIDDEN_VIEWER_NAME).sort();
  }

  const allNames = (clientId: number) => [...localNames(clientId), ...[...(remote.get(clientId)?.values() ?? [])].flat()].sort();

  async function tellAgents(clientId: number, force = false) {
    const names = allNames(clientId);
    const key = JSON.stringify(names);
    if (!force && told.get(clientId) === key) return;
    if (names.length) told.set(clientId, key);
    else told.delete(clientId);
    for (const socket of await io.in(clientRoom(clientId)).local.fetchSockets()) {
      if (socket.data.legacy || socket.data.companyId === null) continue;
      const settings = await options.companies.settings(socket.data.companyId);
      const shown = settings?.viewer_names_shown !== false;
      socket.emit('viewers', { names: shown ? names : names.map(() => HIDDEN_VIEWER_NAME) });
    }
  }

  function onMembership(room: string) {
    const clientId = watchedClientOf(room) ?? pausedClientOf(room);
    if (clientId === undefined) return;
    runInBackground(options.log, 'telling the agent who watches', tellAgents(clientId));
    if (options.clustered) io.serverSideEmit('viewer-names', { node_id: options.nodeId, client_id: clientId, names: localNames(clientId) });
  }
  adapter.on('join-room', onMembership);
  adapter.on('leave-room', onMembership);

  function setRemote(nodeId: string, clientId: number, names: string[]) {
    const nodes = remote.get(clientId) ?? new Map<string, string[]>();
    if (names.length) nodes.set(nodeId, names);
    else nodes.delete(nodeId);
    if (nodes.size) remote.set(clientId, nodes);
    else remote.delete(clientId);
    runInBackground(options.log, 'telling the agent who watches', tellAgents(clientId));
  }
  if (options.clustered) io.on('viewer-names', (report) => setRemote(report.node_id, report.client_id, report.names));

  return {
    /** Forgets the viewers of nodes that are gone. */
    retainNodes(alive: string[]) {
      for (const [clientId, nodes] of remote) for (const nodeId of nodes.keys()) if (!alive.includes(nodeId)) setRemote(nodeId, clientId, []);
    },
    /** The agent just connected here: it hears who watches at once (nothing when nobody does). */
    async greetAgent(clientId: number) {
      if (allNames(clientId).length) await tellAgents(clientId, true);
    },
  };
}
