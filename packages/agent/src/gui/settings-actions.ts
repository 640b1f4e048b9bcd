import { z } from 'zod';
import { checkServer } from '../commands/setup.js';
import { defaultConfigFile, readConfigFile, settingsSchema, SettingsError, writeConfigFile, type Settings } from '../settings.js';
import type { ActionResult, EditableSettings } from './view.js';

/** What the Settings page may change: the same rules as the flags (`settings.ts`), one message per bad value. */
const editSchema = z.object({
  server: settingsSchema.shape.server.unwrap(),
  /** Empty: keep the token the agent has. */
  token: z.string().trim().max(1000).optional(),
  fps: z.number({ error: 'fps must be a number' }).int('fps must be a whole number').min(1, 'fps must be 1-60').max(60, 'fps must be 1-60'),
  size: z.string().regex(/^\d{2,5}x\d{2,5}$/, 'size must look like 1280x720'),
  /** Empty: no cap of this desktop's own (the company's quality preset decides). */
  bitrate: z.string().trim().transform((v) => v || undefined).pipe(settingsSchema.shape.bitrate),
  display: z.string().trim().min(1, 'display must not be empty').max(100),
});

export function editableSettings(settings: Settings & { server: string }, configFile = defaultConfigFile()): EditableSettings {
  const file = readConfigFileQuietly(configFile);
  return {
    server: file.server ?? settings.server,
    has_token: Boolean(file.token ?? settings.token),
    fps: file.fps ?? settings.fps,
    size: file.size ?? settings.size.join('x'),
    bitrate: file.bitrate ?? settings.bitrate ?? '',
    display: file.display ?? settings.display,
    config_file: configFile,
  };
}

function readConfigFileQuietly(file: string) {
  try {
    return readConfigFile(file);
  } catch {
    return {};
  }
}

/**
 * `save-settings`: checks the server and token as `setup` does, then writes them and the capture choices to
 * the config file (the next start uses them). Bad values, or a server that refuses the token, change nothing.
 */
export function settingsActions(settings: Settings & { token?: string }, configFile = defaultConfigFile()) {
  return {
    'save-settings': async (body: unknown): Promise<ActionResult> => {
      const parsed = editSchema.safeParse(body);
      if (!parsed.success) return { ok: false, message: parsed.error.issues.map((i) => i.message).join('; ') };
      const edit = parsed.data;
      try {
        const config = readConfigFile(configFile);
        const token = edit.token || config.token || settings.token;
        if (!token) return { ok: false, message: 'enter the enrollment token an admin gave you' };
        await checkServer(edit.server, token, settings.insecure || Boolean(config.insecure));
        writeConfigFile(configFile, { ...config, server: edit.server, token, fps: edit.fps, size: edit.size, bitrate: edit.bitrate, display: edit.display });
        return { ok: true, message: `Saved in ${configFile}: the agent uses them from its next start (flags and environment variables still win).` };
      } catch (err) {
        if (err instanceof SettingsError) return { ok: false, message: err.message.replace(/, or pass --no-check to save it anyway/, '') };
        throw err;
      }
    },
  };
}
