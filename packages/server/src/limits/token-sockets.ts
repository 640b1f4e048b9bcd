import type { Socket } from 'socket.io';

/** A socket's engine.io connection. */
type EngineSocket = Socket['conn'];

/**
 * The agent sockets open with each enrollment token on this node (docs/SECURITY.md "Limits"): beyond
 * MAX_SOCKETS_PER_TOKEN the handshake refuses `too_many_connections`. A socket counts from its handshake until its
 * connection closes.
 */
export function createTokenSockets(max: number) {
  const open = new Map<number, number>();
  return {
    /** Counts `conn` for the token, or throws the refusal. */
    admit(tokenId: number, conn: EngineSocket): void {
      // Gone while its token was checked: it would never close again.
      if (conn.readyState === 'closed') return;
      const count = open.get(tokenId) ?? 0;
      if (count >= max) {
        throw Object.assign(
          new Error(`This enrollment token already has ${count} connections open on this server (MAX_SOCKETS_PER_TOKEN): the agent tries again in a while; an admin can raise the limit or hand out another token`),
          { data: { error: 'too_many_connections' } },
        );
      }
      open.set(tokenId, count + 1);
      conn.once('close', () => {
        const left = (open.get(tokenId) ?? 1) - 1;
        if (left > 0) open.set(tokenId, left);
        else open.delete(tokenId);
      });
    },
  };
}

export type TokenSockets = ReturnType<typeof createTokenSockets>;
