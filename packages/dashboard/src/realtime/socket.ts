import { DASHBOARD_APP, type ClientToServerEvents, type ServerToClientEvents } from '@vaahshare/protocol';
import { io, type Socket } from 'socket.io-client';
import { ref } from 'vue';
import { companyScope } from '../api/scope';

export type DashboardSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ConnectionState = 'connecting' | 'online' | 'offline';
export const connectionState = ref<ConnectionState>('connecting');

interface SocketHooks {
  /** After every (re)connection: what was missed while offline must be fetched again. */
  onConnect: () => void;
  /** The tab lost the server (it went down, or the network did): what is shown stops being live. */
  onLost: () => void;
  /** The server refused the session (expired, logged out): reconnecting would not help. */
  onRefused: () => void;
  /** The server closed the socket on purpose (the session was logged out, perhaps in another tab). */
  onClosedByServer: (socket: DashboardSocket) => void;
}

let socket: DashboardSocket | null = null;

/** The tab's one socket (PROTOCOL.md §3.3); it rides on the session cookie and reconnects by itself. */
export function openSocket(hooks: SocketHooks): DashboardSocket {
  closeSocket();
  const created: DashboardSocket = io({
    query: { app: DASHBOARD_APP },
    // Read at every (re)connection: the company a superadmin follows (the server ignores it for anyone else).
    auth: (send) => send({ company_id: companyScope() }),
    withCredentials: true,
    transports: ['websocket', 'polling'],
  });
  connectionState.value = 'connecting';
  created.on('connect', () => {
    connectionState.value = 'online';
    hooks.onConnect();
  });
  created.on('disconnect', (reason) => {
    connectionState.value = 'offline';
    if (reason !== 'io client disconnect') hooks.onLost();
    // Socket.IO does not reconnect after a server-side disconnect by itself.
    if (reason === 'io server disconnect') hooks.onClosedByServer(created);
  });
  created.on('connect_error', () => {
    connectionState.value = 'offline';
    hooks.onLost();
    // A refusal by the server's handshake is final; a network failure leaves the socket trying again.
    if (!created.active) hooks.onRefused();
  });
  socket = created;
  return created;
}

export function closeSocket() {
  socket?.disconnect();
  socket = null;
}

export function currentSocket(): DashboardSocket | null {
  return socket;
}
