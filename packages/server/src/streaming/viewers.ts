import type { FastifyBaseLogger } from 'fastify';
import type { IoServer } from '../context.js';
import { clientRoom, watchedClientOf, watchRoom } from '../context.js';
import type { CompanyCache } from '../companies/company-cache.js';
import { runInBackground } from '../infra/background.js';
import { createViewerNames } from './viewer-names.js';


export type Viewers = ReturnType<typeof createViewers>;

/**
 * Who watches which client's stream, on this node and on the others. The agent hears `connect-stream`
 * when the first viewer anywhere arrives and `disconnect-stream` when the last one leaves — from the node
 * its socket is on, which learns about other nodes' viewers from their reports (through Redis).
 */
export function createViewers(io: IoServer, options: { nodeId: string; clustered: boolean; log: FastifyBaseLogger; companies: CompanyCache }) {
  const adapter = io.of('/').adapter;
  const names = createViewerNames(io, options);
  /** client id → the other nodes that have viewers of it. */
  const remote = new Map<number, Set<string>>();

  const localCount = (clientId: number) => adapter.rooms.get(watchRoom(clientId))?.size ?? 0;
  const watched = (clientId: number) => localCount(clientId) > 0 || (remote.get(clientId)?.size ?? 0) > 0;

  /** Tells the client's agents on this node (not original clients, which restart their recorder on it). */
  async function tellAgents(clientId: number, event: 'connect-stream' | 'disconnect-stream') {
    for (const socket of await io.in(clientRoom(clientId)).local.fetchSockets()) {
      if (!socket.data.legacy) socket.emit(event);
    }
  }

  /** Runs `change` and tells the agents when it turned the client from unwatched to watched or back. */
  function changing(clientId: number, change: () => void) {
    const before = watched(clientId);
    change();
    const after = watched(clientId);
    if (before !== after) runInBackground(options.log, 'telling the agent about viewers', tellAgents(clientId, after ? 'connect-stream' : 'disconnect-stream'));
  }

  function setRemote(nodeId: string, clientId: number, watching: boolean) {
    changing(clientId, () => {
      const nodes = remote.get(clientId) ?? new Set<string>();
      if (watching) nodes.add(nodeId);
      else nodes.delete(nodeId);
      if (nodes.size) remote.set(clientId, nodes);
      else remote.delete(clientId);
    });
  }

  /** A node restarted or died: its dashboards' sockets are gone. */
  function forgetNode(nodeId: string) {
    for (const clientId of [...remote.keys()]) setRemote(nodeId, clientId, false);
  }

  /** Forgets the viewers of every node not in `alive` (the nodes the database still knows). */
  function retainNodes(alive: string[]) {
    const known = new Set([...remote.values()].flatMap((nodes) => [...nodes]));
    for (const nodeId of known) if (!alive.includes(nodeId)) forgetNode(nodeId);
    names.retainNodes(alive);
  }

  const watchedHere = () => [...adapter.rooms.keys()].flatMap((room) => watchedClientOf(room) ?? []);

  function onLocalRoom(room: string, watching: boolean) {
    const clientId = watchedClientOf(room);
    if (clientId === undefined) return;
    // The room is created before its first member is in it, and deleted once empty: with viewers on other
    // nodes nothing changes for the agent; without, this is the first viewer arriving or the last leaving.
    if (!remote.get(clientId)?.size) {
      runInBackground(options.log, 'telling the agent about viewers', tellAgents(clientId, watching ? 'connect-stream' : 'disconnect-stream'));
    }
    if (options.clustered) io.serverSideEmit('viewers', { node_id: options.nodeId, client_id: clientId, watching });
  }
  adapter.on('create-room', (room: string) => onLocalRoom(room, true));
  adapter.on('delete-room', (room: string) => onLocalRoom(room, false));

  if (options.clustered) {
    io.on('viewers', (report) => setRemote(report.node_id, report.client_id, report.watching));
    io.on('viewers-snapshot', (nodeId, reply) => {
      forgetNode(nodeId);
      reply({ node_id: options.nodeId, watched: watchedHere() });
    });
  }

  /** The adapter learns the other nodes from their heartbeats, within a heartbeat interval of starting. */
  async function othersKnown(waitMs: number) {
    const deadline = Date.now() + waitMs;
    while ((await adapter.serverCount()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100).unref());
  }

  /** After start-up: what the other nodes' dashboards already watch. */
  async function syncFromOthers(waitMs: number): Promise<void> {
    if (!options.clustered) return;
    await othersKnown(waitMs);
    await new Promise<void>((resolve) => {
      io.serverSideEmit('viewers-snapshot', options.nodeId, (_err, answers) => {
        // A node that did not answer in time (dead, or not up yet) has no viewers to report; its later changes come as reports.
        for (const answer of answers) answer.watched.forEach((clientId) => setRemote(answer.node_id, clientId, true));
        resolve();
      });
    });
  }

  return {
    watched,
    retainNodes,
    syncFromOthers,
    /** A viewer on `nodeId` was joined to the room by this node (it owns the stream): relay to it from now on. */
    noteRemoteViewer: (nodeId: string, clientId: number) => setRemote(nodeId, clientId, true),
    /** The agent just connected here: if someone watches, it should stream. */
    async greetAgent(clientId: number) {
      if (watched(clientId)) await tellAgents(clientId, 'connect-stream');
      await names.greetAgent(clientId);
    },
  };
}
