import { io } from 'socket.io-client';
import type { MachineInfo } from '@vaahshare/protocol';
import type { AgentSocket } from './shared/socket-transport.js';

/** Handshake refusals that no retry can fix: the agent stops and says what to do. */
const FATAL_REFUSALS: Record<string, string> = {
  token_required: 'the server needs an enrollment token: pass --token or run `vaahshare-agent setup`',
  invalid_token: 'the server refused the enrollment token (unknown or revoked): ask an admin for a valid one and run `vaahshare-agent setup`',
  unknown_app: 'the server did not recognise this agent: check that --server points at a VaahShare server',
};

export interface ConnectionEvents {
  /** `client-connected` was acknowledged: the server knows this desktop on this socket. */
  ready(socket: AgentSocket, company: string | null): void;
  lost(reason: string): void;
  unreachable(reason: string): void;
  fatal(message: string): void;
}

/**
 * The agent's socket: announces the desktop with `client-connected` after every (re)connect (`machine` is asked
 * each time: what it says of the agent's self-update changes), and
 * reconnects forever with exponential backoff and jitter (1 s doubling to 10 s, ±50 %), so that a
 * thousand agents coming back after a server restart do not arrive together.
 */
export function openConnection(server: string, token: string, machine: () => MachineInfo, events: ConnectionEvents): AgentSocket {
  const socket: AgentSocket = io(server, {
    transports: ['websocket'],
    query: { app: 'agent' },
    auth: { token },
    reconnection: true,
    reconnectionAttempts: Infinity,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
  });

  socket.on('connect', () => {
    socket
      .timeout(10_000)
      .emitWithAck('client-connected', { machine_info: machine() })
      .then(
        (reply) => (reply.ok ? events.ready(socket, reply.company?.name ?? null) : events.fatal(`client-connected refused: ${reply.message}`)),
        () => socket.io.engine?.close(),
      );
  });
  socket.on('disconnect', (reason) => {
    // Whatever Socket.IO buffered while the link was down carries stale offsets: drop it.
    socket.sendBuffer = [];
    events.lost(reason);
    // Socket.IO does not come back by itself when the server cut the socket (e.g. its token was
    // revoked): try again, and let the handshake say whether the token is still good.
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000 + Math.random() * 1000);
  });
  socket.on('connect_error', (err: Error & { data?: { error?: string } }) => {
    const code = err.data?.error;
    if (code && FATAL_REFUSALS[code]) return events.fatal(FATAL_REFUSALS[code]);
    events.unreachable(err.message);
    // A refusal by the server's middleware is not retried by Socket.IO itself.
    if (socket.active === false) setTimeout(() => socket.connect(), 2000 + Math.random() * 2000);
  });
  return socket;
}
