import { pauseSchema } from '@vaahshare/protocol';
import type { Agent } from '../agent.js';
import type { ActionResult } from './view.js';

/** `pause` and `resume` from the window: the payload is checked here too, so a bad one never reaches the server. */
export function pauseActions(agent: Pick<Agent, 'pause' | 'resume'>) {
  return {
    pause: async (body: unknown): Promise<ActionResult> => {
      const parsed = pauseSchema.safeParse(body);
      if (!parsed.success) return { ok: false, message: parsed.error.issues.map((i) => i.message).join('; ') };
      return agent.pause(parsed.data.minutes, parsed.data.reason);
    },
    resume: () => agent.resume(),
  };
}
