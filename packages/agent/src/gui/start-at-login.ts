import os from 'node:os';
import { z } from 'zod';
import { AutostartUnavailable, autostartFor, type Autostart } from '../autostart/autostart.js';
import { agentCommand, agentExecutable } from '../invocation.js';
import type { ActionResult, StartAtLoginView } from './view.js';

const toggleSchema = z.object({ enabled: z.boolean({ error: 'enabled must be true or false' }) });

/** The platform's autostart, or why there is none here (chosen once: on Linux choosing asks systemd). */
function platformAutostart(): Autostart | AutostartUnavailable {
  try {
    return autostartFor({ platform: process.platform, home: os.homedir(), env: process.env });
  } catch (err) {
    if (err instanceof AutostartUnavailable) return err;
    throw err;
  }
}

/**
 * "Start at login" in the window's Settings: the real state of the autostart entry, and the switch that
 * writes or removes it. The running agent is the one asking, so it keeps running either way (`now: false`).
 */
export function startAtLogin(autostart = platformAutostart()) {
  const cannot = (reason: string) =>
    `Cannot start the agent at login here: ${reason}. Add \`${agentCommand()} start\` to your desktop's startup applications instead, or run it yourself after you log in.`;
  return {
    view(): StartAtLoginView {
      if (autostart instanceof AutostartUnavailable) return { enabled: false, mechanism: null, file: null, problem: cannot(autostart.message) };
      return { enabled: autostart.isEnabled(), mechanism: autostart.mechanism, file: autostart.file, problem: null };
    },
    actions: {
      'start-at-login': async (body: unknown): Promise<ActionResult> => {
        const parsed = toggleSchema.safeParse(body);
        if (!parsed.success) return { ok: false, message: parsed.error.issues.map((i) => i.message).join('; ') };
        if (autostart instanceof AutostartUnavailable) return { ok: false, message: cannot(autostart.message) };
        const { enabled } = parsed.data;
        try {
          if (enabled) {
            const [executable, ...args] = agentExecutable();
            autostart.enable(executable!, [...args, 'start'], { now: false });
            return { ok: true, message: `The agent starts when you log in, through ${autostart.mechanism} (${autostart.file}).` };
          }
          autostart.disable({ now: false });
          return { ok: true, message: `The agent no longer starts when you log in (removed ${autostart.file}); it keeps running now.` };
        } catch (err) {
          if (err instanceof AutostartUnavailable) return { ok: false, message: cannot(err.message) };
          const command = `${agentCommand()} autostart ${enabled ? 'enable' : 'disable'}`;
          return { ok: false, message: `Changing the start at login failed (${(err as Error).message.split('\n')[0]}): run \`${command}\` in a terminal to see why.` };
        }
      },
    },
  };
}
