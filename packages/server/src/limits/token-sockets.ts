import type { Socket } from 'socket.io';

/** A socket's engine.io connection. */
type EngineSocket = Socket['conn'];

/**
 * The agent sockets open with each enrollment token on this node (docs/SECURITY.md "Limits"): beyond
 * MAX_SOCKETS_PER_TOKEN the handshake refuses `too_many_connections`. A socket counts from its handshake until its
 * connection closes.
 */
export function createTokenSockets(max: number) {
  const open = new Map<number, { count: number; closed: () => void }>();
  /** A token's count, with the one `close` listener all its connections share (none is allocated per connection). */
  function track(tokenId: number) {
    const token = {
      count: 0,
      closed() {
        if (--token.count === 0) open.delete(tokenId);
      },
    };
    open.set(tokenId, token);
    return token;
  }
  return {
    /** Counts `conn` for the token, or throws the refusal. */
    admit(tokenId: number, conn: EngineSocket): void {
      // Gone while its token was checked: it would never close again.
      if (conn.readyState === 'closed') return;
      const token = open.get(tokenId);
      const count = token?.count ?? 0;
      if (count >= max) {
        throw Object.assign(
          new Error(`This enrollment token already has ${count} connections open on this server (MAX_SOCKETS_PER_TOKEN): the agent tries again in a while; an admin can raise the limit or hand out another token`),
          { data: { error: 'too_many_connections' } },
        );
      }
      const counted = token ?? track(tokenId);
      counted.count++;
      // engine.io closes a connection once, so `on` (without the wrapper `once` allocates per connection).
      conn.on('close', counted.closed);
    },
  };
}

export type TokenSockets = ReturnType<typeof createTokenSockets>;
