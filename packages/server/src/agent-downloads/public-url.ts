import os from 'node:os';

const ANY_ADDRESS = ['0.0.0.0', '::', ''];

/**
 * The address to print for this server when PUBLIC_URL is unset: the address it is bound to, or when bound to
 * all of them, the first external IPv4 address (other desktops may reach it), else localhost. The caller
 * says to set PUBLIC_URL.
 */
export function guessServerUrl(host: string, port: number, interfaces = os.networkInterfaces()): string {
  if (!ANY_ADDRESS.includes(host)) return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const external = Object.values(interfaces)
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  return `http://${external?.address ?? 'localhost'}:${port}`;
}
