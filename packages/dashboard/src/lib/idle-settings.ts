import { updateSettingsBodySchema, type UpdateSettingsBody } from '@vaahshare/protocol';

/**
 * The settings body for a threshold typed in minutes and a message, or every problem with them in the server's own
 * words (the schema both use): nothing typed is silently changed into something else.
 */
export function idleSettingsBody(minutes: number | null, message: string): { body: UpdateSettingsBody } | { problem: string } {
  if (minutes === null) return { problem: 'Enter after how many minutes without input the alert comes' };
  const parsed = updateSettingsBodySchema.safeParse({ idle_threshold_seconds: Math.round(minutes * 60), idle_message: message });
  if (parsed.success) return { body: parsed.data };
  return { problem: parsed.error.issues.map((issue) => `${issue.message}.`).join(' ') };
}
