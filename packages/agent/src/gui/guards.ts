import { timingSafeEqual } from 'node:crypto';

export type Refusal = { status: 403; reason: string };

/** The headers and path a request arrives with (node's IncomingMessage has them). */
export interface RequestHead {
  path: string;
  host: string | undefined;
  origin: string | undefined;
}

const sameBytes = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Whether a request may reach the agent's window. Three checks, each on every request:
 * - the Host is this port on 127.0.0.1 or localhost, so a page of another site whose name an attacker
 *   pointed at 127.0.0.1 (DNS rebinding) is refused;
 * - an Origin, when the browser sends one, is this window's own (no other site may call the API);
 * - the path starts with the per-install secret (nothing else on the machine can guess it).
 * Returns the path below the secret, or why the request is refused.
 */
export function admit(head: RequestHead, port: number, secret: string): { path: string } | Refusal {
  const own = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!head.host || !own.includes(head.host.toLowerCase())) return { status: 403, reason: 'foreign host' };
  if (head.origin !== undefined && !own.some((h) => head.origin === `http://${h}`)) return { status: 403, reason: 'foreign origin' };
  const match = /^\/([^/?#]*)(\/[^?#]*)?/.exec(head.path);
  if (!match || !sameBytes(match[1], secret)) return { status: 403, reason: 'no or wrong secret' };
  return { path: match[2] ?? '' };
}
