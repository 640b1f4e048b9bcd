import type { Socket as TcpSocket } from 'node:net';
import { transports } from 'engine.io';

// engine.io's WebSocket transport, as far as this needs it; its typings mark the members used here internal.
interface WebSocketTransport {
  socket?: { _socket?: TcpSocket };
  send(packets: unknown[]): void;
}

let installed = false;

/**
 * engine.io writes every packet of a flush as a WebSocket frame of its own, and ws writes each frame to the TCP
 * socket at once: one system call per packet. Packets queue while a write is under way, so what an agent hears when
 * it is admitted (`client-connected-success`, `settings`, an update offer, the ack) went out as three or four writes,
 * thousands a second in a reconnect storm. With the TCP socket corked around a flush, its packets leave in one
 * writev. The frames and their order are unchanged; ws corks the same way around the parts of one frame. Installed
 * once per process, on engine.io's class (its typings do not expose it).
 */
export function coalesceFlushedFrames() {
  if (installed) return;
  installed = true;
  const proto = (transports.websocket as unknown as { prototype: WebSocketTransport }).prototype;
  const send = proto.send;
  proto.send = function (this: WebSocketTransport, packets: unknown[]) {
    const tcp = this.socket?._socket;
    if (packets.length < 2 || !tcp) return send.call(this, packets);
    tcp.cork();
    try {
      send.call(this, packets);
    } finally {
      tcp.uncork();
    }
  };
}
