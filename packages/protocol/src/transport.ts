/**
 * Plain http:// is for this machine only. To another machine it would carry the enrollment token, the device
 * secret and the screen in clear text: the agent, its install scripts and the share page refuse it unless the
 * person opts in knowingly (`--insecure`; docs/SECURITY.md "Transport").
 */

/** The hosts a plain http:// server may be at without opting in: this machine itself (URL.hostname spells them so). */
export const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

/** Whether reaching `serverUrl` sends credentials and video unencrypted over a network: http:// to another machine. */
export function isPlainHttpToAnotherMachine(serverUrl: string): boolean {
  if (!URL.canParse(serverUrl)) return false;
  const url = new URL(serverUrl);
  return url.protocol === 'http:' && !(LOCAL_HOSTS as readonly string[]).includes(url.hostname);
}

/** What the agent says when it refuses such a server without --insecure. */
export const plainHttpRefusal = (serverUrl: string) =>
  `Refusing plain http:// to ${new URL(serverUrl).host}: the enrollment token, the device secret and the screen would cross the network unencrypted. ` +
  "Use the server's https:// address (the server takes TLS_CERT and TLS_KEY, or sits behind a proxy with TLS), " +
  'or add --insecure if you accept that anyone on that network can read them.';
