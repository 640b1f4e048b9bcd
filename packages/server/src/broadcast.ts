import type { ServerToClientEvents } from '@vaahshare/protocol';
import type { BroadcastOperator } from 'socket.io';
import { audienceOf } from './access/index.js';
import type { IoServer, SocketData } from './context.js';
import type { AgentSocket } from './sockets.js';

/** Sends one event to a set of sockets, on every node. */
export type Emitter = Pick<BroadcastOperator<ServerToClientEvents, SocketData>, 'emit'>;

// The Socket.IO rooms. Nothing outside this module knows their names.
/** Dashboards that see every group of a company: its admins, and superadmins following it. */
const companyRoom = (companyId: number) => `company:${companyId}`;
/** Dashboards of viewers given a group: they hear of its clients only. */
const groupRoom = (groupId: number) => `group:${groupId}`;
/** Every dashboard socket of one user: a change of its access makes them connect again (with their new rooms). */
const userRoom = (userId: number) => `user:${userId}`;
/** Every admin dashboard socket (of every company), for what concerns the server itself (its disk). */
const dashboardsRoom = 'dashboards';
/** Agents of a company, for settings pushed to them. */
const agentsRoom = (companyId: number) => `agents:${companyId}`;
/** The agent sockets of one client (normally one). */
const clientRoom = (clientId: number) => `client:${clientId}`;
/** The dashboard sockets of one login session (named by the session token's hash, as stored). */
const sessionRoom = (sessionTokenHash: string) => `session:${sessionTokenHash}`;
/** A company's original VaahShare clients (PROTOCOL.md §6): a change of its rules for them disconnects them. */
const originalClientsRoom = (companyId: number) => `original-clients:${companyId}`;
/** The agent sockets that connected with one enrollment token: revoking it disconnects them. */
const tokenRoom = (tokenId: number) => `token:${tokenId}`;
/** Dashboards watching a client's live stream. */
const watchRoom = (clientId: number) => `watch:${clientId}`;
/** Watchers of a client's stream that fell behind: still viewers, but frames skip them until they catch up. */
const pausedRoom = (clientId: number) => `paused:${clientId}`;
/** This project's agents of one build platform (`linux-x64`…): offered a self-update when that build changes. */
const platformRoom = (platform: string) => `agent-platform:${platform}`;
/** The client whose stream a room is the watch room of, if it is one. */
const watchedClientOf = (room: string): number | undefined => {
  const match = /^watch:(\d+)$/.exec(room);
  return match ? Number(match[1]) : undefined;
};
/** The client whose stream a room is the watch or the paused room of, if it is one of them. */
const viewedClientOf = (room: string): number | undefined => {
  const match = /^(?:watch|paused):(\d+)$/.exec(room);
  return match ? Number(match[1]) : undefined;
};

/** Calls `listener` with the client of each room, of those `clientOf` knows, that the adapter reports `event` of. */
function onRoomsOf(
  adapter: IoServer['sockets']['adapter'],
  event: 'create-room' | 'delete-room' | 'join-room' | 'leave-room',
  clientOf: (room: string) => number | undefined,
  listener: (clientId: number) => void,
) {
  adapter.on(event, (room: string) => {
    const clientId = clientOf(room);
    if (clientId !== undefined) listener(clientId);
  });
}

export type Broadcast = ReturnType<typeof createBroadcast>;

/**
 * The one port to Socket.IO's rooms: who hears an event (a company's dashboards, a client's agents, a
 * stream's viewers), and who is in which room. Services take it (or a fake of the part they use).
 */
export function createBroadcast(io: IoServer, { clustered }: { clustered: boolean }) {
  const adapter = io.of('/').adapter;
  const watchedBy = (socket: AgentSocket) => [...socket.rooms].flatMap((room) => watchedClientOf(room) ?? []);
  return {
    /** The dashboards that may see a client of `groupId` in `companyId`: the company's admins and the group's viewers. */
    toGroup: (companyId: number, groupId: number): Emitter => io.to([companyRoom(companyId), groupRoom(groupId)]),
    /** The same for several groups at once (each socket hears it once). */
    toGroups: (companyId: number, groupIds: number[]): Emitter => io.to([companyRoom(companyId), ...groupIds.map(groupRoom)]),
    /** Whether a dashboard may hear what is said to dashboards now: always on a cluster (on another node), else while one is here. */
    dashboardsMayHear: () => clustered || [...io.of('/').sockets.values()].some((socket) => socket.data.role !== 'agent'),
    /** This node's admin dashboards, of every company: each node tells its own about what it sees of the server (its disk). */
    toDashboardsHere: (): Emitter => io.local.to(dashboardsRoom),
    /** The agent sockets of one client. */
    toClient: (clientId: number): Emitter => io.to(clientRoom(clientId)),
    /** The agent sockets of a company. */
    toAgents: (companyId: number): Emitter => io.to(agentsRoom(companyId)),
    /** The viewers of a client's live stream that keep up (paused ones are skipped). */
    toWatchers: (clientId: number): Emitter => io.to(watchRoom(clientId)).except(pausedRoom(clientId)),
    /** The agents of one build platform connected to this node (each node offers the builds it holds). */
    toPlatformAgentsHere: (platform: string): Emitter => io.local.to(platformRoom(platform)),
    /** One socket, on whichever node it is connected. */
    toSocket: (socketId: string): Emitter => io.to(socketId),
    /** The client's agent sockets connected to this node. */
    clientSocketsHere: (clientId: number) => io.in(clientRoom(clientId)).local.fetchSockets(),
    /** Agents that connected with a revoked enrollment token lose their access now (on every node). */
    disconnectToken: (tokenId: number) => io.in(tokenRoom(tokenId)).disconnectSockets(true),
    /** A client's agent sockets (on every node) must connect again, e.g. to enroll anew after a reset. */
    disconnectClient: (clientId: number) => io.in(clientRoom(clientId)).disconnectSockets(true),
    /** Dashboards of a login session that ended stop receiving events now (on every node). */
    disconnectSession: (sessionTokenHash: string) => io.in(sessionRoom(sessionTokenHash)).disconnectSockets(true),
    /** A user's access changed: its dashboards (on every node) connect again, and hear what the new access allows. */
    disconnectUser: (userId: number) => io.in(userRoom(userId)).disconnectSockets(true),
    /**
     * A client moved to `groupId`: its live viewers that may no longer see it (a viewer without that group) are
     * disconnected, which ends their views (and records it); their dashboards connect again.
     */
    disconnectViewersOutside: (clientId: number, companyId: number, groupId: number) =>
      io.in([watchRoom(clientId), pausedRoom(clientId)]).except([companyRoom(companyId), groupRoom(groupId)]).disconnectSockets(true),

    /** This node's agents connect again (to this node or another); their sockets here are closed. */
    closeAgentConnectionsHere() {
      for (const socket of io.of('/').sockets.values()) if (socket.data.role === 'agent') socket.conn.close();
    },

    /**
     * A dashboard goes with its login session and its user, and hears what its access allows of the company it
     * follows: every group (admins), its groups (viewers), nothing (auditors: the audit trail is read over REST).
     */
    admitDashboard: (socket: AgentSocket) => {
      const { access, companyId, sessionTokenHash } = socket.data;
      const audience = audienceOf(access!);
      const rooms = [sessionRoom(sessionTokenHash!), userRoom(access!.id), ...audience.groups.map(groupRoom)];
      if (audience.allGroups) rooms.push(companyRoom(companyId!));
      if (audience.serverStatus) rooms.push(dashboardsRoom);
      void socket.join(rooms);
    },
    /** An agent goes with the enrollment token it connected with. */
    admitAgent: (socket: AgentSocket) => {
      if (socket.data.tokenId !== undefined) void socket.join(tokenRoom(socket.data.tokenId));
    },
    /** An agent socket hears what is pushed to its company's agents. */
    joinCompanyAgents: (socket: AgentSocket, companyId: number) => void socket.join(socket.data.legacy ? [agentsRoom(companyId), originalClientsRoom(companyId)] : agentsRoom(companyId)),
    /** A company's original clients connect again (on every node), to be admitted by its rules as they are now. */
    disconnectOriginalClients: (companyId: number) => io.in(originalClientsRoom(companyId)).disconnectSockets(true),
    /** An agent socket of this node hears what is said to the agents of its build platform. */
    joinPlatformAgents: (socketId: string, platform: string) => io.in(socketId).local.socketsJoin(platformRoom(platform)),
    /** An agent socket hears what is said to its client. */
    joinClient: (socket: AgentSocket, clientId: number) => void socket.join(clientRoom(clientId)),

    /** A viewer (here, or on another node by socket id) receives the client's live frames from now on. */
    watch(socket: AgentSocket | string, clientId: number) {
      if (typeof socket === 'string') {
        io.in(socket).socketsJoin(watchRoom(clientId));
        io.in(socket).socketsLeave(pausedRoom(clientId));
      } else {
        void socket.join(watchRoom(clientId));
        void socket.leave(pausedRoom(clientId));
      }
    },
    async unwatch(socket: AgentSocket, clientId: number) {
      await socket.leave(watchRoom(clientId));
      await socket.leave(pausedRoom(clientId));
    },
    /** The clients whose streams a dashboard socket watches, and those of them paused for it. */
    watchedBy,
    pausedFor: (socket: AgentSocket) => watchedBy(socket).filter((clientId) => socket.rooms.has(pausedRoom(clientId))),
    /** Frames of these clients skip the socket until it is watched again. */
    pause: (socket: AgentSocket, clientIds: number[]) => void socket.join(clientIds.map(pausedRoom)),
    /** How many sockets of this node watch the client's stream. */
    watchersHere: (clientId: number) => adapter.rooms.get(watchRoom(clientId))?.size ?? 0,
    /** The clients watched by sockets of this node. */
    watchedHere: () => [...adapter.rooms.keys()].flatMap((room) => watchedClientOf(room) ?? []),
    /** This node's sockets viewing a client's stream, paused ones included (a paused viewer still watches). */
    viewersHere(clientId: number): AgentSocket[] {
      const ids = new Set([...(adapter.rooms.get(watchRoom(clientId)) ?? []), ...(adapter.rooms.get(pausedRoom(clientId)) ?? [])]);
      return [...ids].flatMap((id) => io.of('/').sockets.get(id) ?? []);
    },
    /** Called whenever a socket of this node starts or stops viewing (or being paused on) a client's stream. */
    onViewersChanged(listener: (clientId: number) => void) {
      for (const event of ['join-room', 'leave-room'] as const) onRoomsOf(adapter, event, viewedClientOf, listener);
    },
    /** Called when the first socket of this node starts watching a client, and when the last one stops. */
    onWatchedHere(listener: (clientId: number, watching: boolean) => void) {
      onRoomsOf(adapter, 'create-room', watchedClientOf, (clientId) => listener(clientId, true));
      onRoomsOf(adapter, 'delete-room', watchedClientOf, (clientId) => listener(clientId, false));
    },
  };
}
