import type { Socket } from 'socket.io';

/** A socket's engine.io connection. */
type EngineSocket = Socket['conn'];

type Transport = EngineSocket['transport'];

/**
 * Raises the largest message one connection may send (docs/SECURITY.md "Limits"). Socket.IO has one limit for all
 * connections, `maxHttpBufferSize`, which is what engine.io hands each long-polling transport and what `ws` reads
 * as `maxPayload`; `ws` checks it against a frame's declared length before it buffers a byte of the payload, so
 * it is what bounds the memory a connection can make the server hold. The server starts every connection at
 * MAX_UNAUTHENTICATED_MESSAGE_BYTES and raises it here once the handshake authenticated an agent. For WebSocket
 * this sets the connection's `ws` receiver's `_maxPayload` (ws has no public setter; `limits.test.ts` fails if
 * a ws release moves it); for long-polling, the transport's `maxHttpBufferSize`; a later upgrade's transport too.
 */
export function allowMessagesUpTo(conn: EngineSocket, bytes: number): void {
  const raise = (transport: Transport) => {
    const polling = transport as Transport & { maxHttpBufferSize?: number };
    if (typeof polling.maxHttpBufferSize === 'number') polling.maxHttpBufferSize = bytes;
    const receiver = (transport as Transport & { socket?: { _receiver?: { _maxPayload?: number } } }).socket?._receiver;
    if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
  };
  raise(conn.transport);
  // Only a long-polling connection can still upgrade; a WebSocket one (every agent) keeps no listener for it.
  if (conn.transport.name === 'polling') conn.on('upgrade', raise);
}
