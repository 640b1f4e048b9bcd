import fs from 'node:fs';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';

/** Fastify's `https` option when TLS_CERT and TLS_KEY are set: the server speaks HTTPS itself. */
export function httpsOptions(config: Pick<Config, 'TLS_CERT' | 'TLS_KEY'>): { cert: Buffer; key: Buffer } | undefined {
  if (!config.TLS_CERT || !config.TLS_KEY) return undefined;
  const read = (file: string, name: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new ConfigError(`Invalid configuration: ${name} ${file} cannot be read (${(err as NodeJS.ErrnoException).code})`);
    }
  };
  return { cert: read(config.TLS_CERT, 'TLS_CERT'), key: read(config.TLS_KEY, 'TLS_KEY') };
}

/**
 * Fastify's `trustProxy`: X-Forwarded-For and X-Forwarded-Proto are believed only from the configured proxies
 * (addresses, CIDRs, or proxy-addr's names such as `loopback`); otherwise a client could claim any address (and
 * escape the login throttle) or claim HTTPS.
 */
export const trustProxy = (config: Pick<Config, 'TRUST_PROXY'>) => (config.TRUST_PROXY.length ? config.TRUST_PROXY : false);
