/**
 * engine.io pongs taken off a WebSocket connection before `ws` parses them as a message.
 *
 * With 10 000 agents the heartbeat (heartbeat.ts) brings ~1 400 pongs a second, and each went through `ws`'s
 * receiver, a `message` event, engine.io's transport and its decoder. Most of what that allocates lives until the
 * connection's next message, one heartbeat later, so it outlived the young generation and filled the old one: an
 * idle node promoted ~0.8 MB a second and ran a full collection every minute (bench log, 2026-12-02). A pong is
 * always the same frame from the client (text, final, masked, one byte "3"), so when one arrives alone, with no
 * other frame under way on the connection, it goes to engine.io's socket as the pong packet it is, as engine.io's
 * transport would have handed it over. Anything else (a pong sharing a read with other data, a frame split over
 * reads, a closing connection) takes `ws`'s ordinary path.
 *
 * It relies on `ws` internals (the receiver's `write`, `_state`, `_bufferedBytes`, `_fragmented`), as message-size.ts
 * does; `direct-pongs.test.ts` fails if a `ws` release changes them.
 */

/** What engine.io's WebSocket transport hands its socket for a pong. */
interface EnginePacketTarget {
  onPacket(packet: { type: 'pong' }): void;
}

interface ReceiverLike {
  write(chunk: Buffer): boolean;
  _state: number;
  _bufferedBytes: number;
  _fragmented: number;
  _writableState: { ending: boolean; writing: boolean; length: number };
  [ENGINE_SOCKET]?: EnginePacketTarget;
}

const ENGINE_SOCKET = Symbol('engine.io socket');
/** `ws`'s receiver state before a frame's first byte. */
const GET_INFO = 0;
/** A client frame: final + text, masked + 1 byte of payload, the 4-byte mask, the masked payload. */
const PONG_FRAME_BYTES = 7;
const FINAL_TEXT = 0x81;
const MASKED_ONE_BYTE = 0x81;
const ENGINE_PONG = 0x33;

const isPongFrame = (chunk: Buffer) =>
  chunk.length === PONG_FRAME_BYTES && chunk[0] === FINAL_TEXT && chunk[1] === MASKED_ONE_BYTE && (chunk[6] ^ chunk[2]) === ENGINE_PONG;

/** No frame half read, no message in pieces, no write queued, not closing: the receiver would take this frame whole. */
const atFrameBoundary = (receiver: ReceiverLike) =>
  receiver._state === GET_INFO &&
  receiver._bufferedBytes === 0 &&
  receiver._fragmented === 0 &&
  !receiver._writableState.ending &&
  !receiver._writableState.writing &&
  receiver._writableState.length === 0;

let ordinaryWrite: ReceiverLike['write'] | undefined;

/** One function for every receiver (their own `write` property points here), with the receiver as `this`. */
function writeTakingPongs(this: ReceiverLike, chunk: Buffer): boolean {
  const socket = this[ENGINE_SOCKET];
  if (socket && isPongFrame(chunk) && atFrameBoundary(this)) {
    socket.onPacket({ type: 'pong' });
    return true;
  }
  return ordinaryWrite!.call(this, chunk);
}

const isReceiver = (value: unknown): value is ReceiverLike => {
  const receiver = value as Partial<ReceiverLike> | undefined;
  return (
    typeof receiver?.write === 'function' &&
    receiver._state === GET_INFO &&
    typeof receiver._bufferedBytes === 'number' &&
    typeof receiver._fragmented === 'number' &&
    typeof receiver._writableState === 'object'
  );
};

/**
 * Takes the pongs of this engine.io socket off its WebSocket from now on; false (and nothing changed) when the
 * socket is not on a WebSocket or `ws` is not as expected.
 */
export function takePongsDirectly(socket: EnginePacketTarget & { transport: { name: string; socket?: { _receiver?: unknown } } }): boolean {
  const receiver = socket.transport.name === 'websocket' ? socket.transport.socket?._receiver : undefined;
  if (!isReceiver(receiver)) return false;
  const write = Object.getPrototypeOf(receiver).write as ReceiverLike['write'];
  ordinaryWrite ??= write;
  if (write !== ordinaryWrite) return false;
  receiver[ENGINE_SOCKET] = socket;
  receiver.write = writeTakingPongs;
  return true;
}
