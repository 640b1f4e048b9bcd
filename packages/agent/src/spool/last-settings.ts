import fs from 'node:fs';
import path from 'node:path';
import { settingsSchema, type Settings } from '@vaahshare/protocol';

const FILE = 'settings.last';

/** The idle settings the server sent last, so an agent started while the server is unreachable still watches. */
export function loadLastSettings(dir: string): Settings | null {
  try {
    const parsed = settingsSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function saveLastSettings(dir: string, settings: Settings) {
  const file = path.join(dir, FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(settings));
  fs.renameSync(`${file}.tmp`, file);
}
