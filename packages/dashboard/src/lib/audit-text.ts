import { hoursSummary, type AuditAction, type AuditEntry, type MonitoringHours } from '@vaahshare/protocol';

export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  'logged-in': 'Logged in',
  'login-failed': 'Login failed',
  'live-view-started': 'Started watching live',
  'live-view-ended': 'Stopped watching live',
  'recording-played': 'Played a recording',
  'recording-downloaded': 'Downloaded a recording',
  'settings-changed': 'Changed settings',
  'token-created': 'Created an enrollment token',
  'token-revoked': 'Revoked an enrollment token',
  'user-created': 'Created a user',
  'user-disabled': 'Disabled a user',
  'user-enabled': 'Enabled a user',
  'user-removed': 'Removed a user',
  'user-password-reset': 'Reset a user’s password',
  'user-password-changed': 'Changed their own password',
  'user-totp-enabled': 'Set up their second factor',
  'user-totp-disabled': 'Turned their second factor off',
  'user-totp-reset': 'Reset a user’s second factor',
  'company-created': 'Created a company',
  'recordings-deleted': 'Deleted recordings',
  'client-deleted': 'Deleted a client and its data',
  'retention-changed': 'Changed the retention rule',
  'enrollment-reset': 'Reset a desktop’s enrollment',
  'user-access-changed': 'Changed a user’s role or groups',
  'group-created': 'Created a group',
  'group-renamed': 'Renamed a group',
  'group-deleted': 'Deleted a group',
  'clients-moved': 'Moved clients to a group',
  'monitoring-hours-changed': 'Changed the monitoring hours',
};

export const actionLabel = (action: string) => AUDIT_ACTION_LABELS[action as AuditAction] ?? action;

/** Who did it: the user's e-mail, else "an agent" / "the server". */
export const actorText = ({ actor }: Pick<AuditEntry, 'actor'>) => actor.email ?? (actor.kind === 'agent' ? 'an agent' : 'the server');

/** What it was done to: "client alice@pc-1", "recording #12 Monday". */
export function targetText({ target }: Pick<AuditEntry, 'target'>): string {
  if (!target) return '—';
  const name = target.label ?? (target.id === null ? '' : `#${target.id}`);
  return `${target.kind} ${name}`.trim();
}

const valueText = (value: unknown) => (typeof value === 'string' ? `“${value}”` : String(value));

function minutesText(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The entry's details in words: how long a live view lasted, what a setting was and became, why a login failed. */
export function detailsText({ action, details }: Pick<AuditEntry, 'action' | 'details'>): string {
  if (!details) return '';
  if (action === 'live-view-ended' && typeof details.seconds === 'number') return `watched for ${minutesText(details.seconds)}`;
  if (action === 'settings-changed') {
    return Object.entries(details)
      .map(([name, change]) => {
        const { from, to } = change as { from: unknown; to: unknown };
        return `${name.replaceAll('_', ' ')}: ${valueText(from)} → ${valueText(to)}`;
      })
      .join('; ');
  }
  if (action === 'user-access-changed') return `${accessText(details.before)} → ${accessText(details.after)}`;
  if (action === 'monitoring-hours-changed') {
    const summary = (value: unknown) => hoursSummary((value ?? null) as MonitoringHours | null);
    return `${summary(details.before)} → ${summary(details.after)}`;
  }
  if (action === 'clients-moved' && Array.isArray(details.clients)) return (details.clients as Array<{ user_host: string }>).map((c) => c.user_host).join(', ');
  // The server removes a live segment its recorder stopped before the first frame: say so rather than "empty".
  if (action === 'recordings-deleted' && details.reason === 'empty') return pairsText({ ...details, reason: 'a live recording with no video frame' });
  return pairsText(details);
}

const pairsText = (details: Record<string, unknown>) =>
  Object.entries(details)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('; ');

/** A user's access as the audit trail keeps it: "viewer of groups 3, 4, may download". */
function accessText(value: unknown): string {
  const access = value as { role?: string; group_ids?: number[]; may_download?: boolean } | undefined;
  if (access?.role !== 'viewer') return access?.role ?? '?';
  const groups = access.group_ids?.length ? `groups ${access.group_ids.join(', ')}` : 'no group';
  return `viewer of ${groups}${access.may_download ? ', may download' : ''}`;
}
