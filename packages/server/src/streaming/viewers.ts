import type { IoServer } from '../context.js';
import { clientRoom, watchRoom } from '../context.js';
import { runInBackground } from '../infra/background.js';

const WATCH_ROOM = /^watch:(\d+)$/;

/** Tells a client's agents (not original clients, which restart their recorder on it) about viewers. */
async function tellAgents(io: IoServer, clientId: number, event: 'connect-stream' | 'disconnect-stream') {
  for (const socket of await io.in(clientRoom(clientId)).fetchSockets()) {
    if (!socket.data.legacy) socket.emit(event);
  }
}

export const hasViewers = (io: IoServer, clientId: number) => (io.of('/').adapter.rooms.get(watchRoom(clientId))?.size ?? 0) > 0;

/** The agent hears `connect-stream` when its first viewer arrives and `disconnect-stream` when the last leaves. */
export function announceViewers(io: IoServer, log: Parameters<typeof runInBackground>[0]) {
  const adapter = io.of('/').adapter;
  const on = (event: 'create-room' | 'delete-room', agentEvent: 'connect-stream' | 'disconnect-stream') =>
    adapter.on(event, (room: string) => {
      const match = WATCH_ROOM.exec(room);
      if (match) runInBackground(log, agentEvent, tellAgents(io, Number(match[1]), agentEvent));
    });
  on('create-room', 'connect-stream');
  on('delete-room', 'disconnect-stream');
  return { tellAgents: (clientId: number) => tellAgents(io, clientId, 'connect-stream') };
}
