import fs from 'node:fs';
import path from 'node:path';
import { deviceSecretSchema } from '@vaahshare/protocol';
import { z } from 'zod';

const FILE = 'device-secret.json';
const storedSchema = z.object({ server: z.string(), secret: deviceSecretSchema });

/**
 * The secret the server issued when this desktop enrolled (PROTOCOL.md §2 "Device credential"), kept in the
 * identity's spool directory, readable by its owner only, for the server (origin) that issued it: every later
 * connection and upload presents it. Beside the config rather than in it: the config file may be absent or
 * read-only (flags and environment only), the agent's data directory is always its own.
 */
export class DeviceSecretStore {
  private readonly file: string;
  private readonly origin: string;

  constructor(spoolDir: string, server: string) {
    this.file = path.join(spoolDir, FILE);
    this.origin = new URL(server).origin;
  }

  /** The secret for this server, if this desktop enrolled there. */
  load(): string | undefined {
    try {
      const parsed = storedSchema.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      return parsed.success && parsed.data.server === this.origin ? parsed.data.secret : undefined;
    } catch {
      return undefined;
    }
  }

  save(secret: string): void {
    const tmp = `${this.file}.tmp`;
    fs.rmSync(tmp, { force: true });
    fs.writeFileSync(tmp, JSON.stringify({ server: this.origin, secret }), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
