import type { DisconnectReason, Role } from '@vaahshare/protocol';
import type { Generated, Insertable, Selectable } from 'kysely';

/** Times are milliseconds since the epoch; flags are 0/1 integers (the same on SQLite and PostgreSQL). */
export interface CompaniesTable {
  id: Generated<number>;
  name: string;
  idle_threshold_seconds: number;
  idle_message: string;
  /** 1: agents' windows show who watches by name; 0: "an administrator". */
  viewer_names_shown: Generated<number>;
  /** 1: the person at the desktop may pause the recording, for at most `pause_max_minutes`. */
  pause_allowed: Generated<number>;
  pause_max_minutes: Generated<number>;
  /** Recordings older than this many days are deleted by the retention sweep; null: kept however old. */
  retention_days: number | null;
  /** The company's recordings may take at most this many bytes (the oldest finished go first); null: no limit. */
  retention_max_bytes: number | null;
  /** Audit entries older than this many days are deleted by the audit retention sweep. */
  audit_retention_days: Generated<number>;
  /** 1: its admins must set up a second factor (superadmins always must, unless TOTP_REQUIRED_FOR_SUPERADMINS=false). */
  require_admin_totp: Generated<number>;
  /** 1: it accepts original VaahShare clients (PROTOCOL.md §6), from the addresses in `original_clients_from`. */
  original_clients: Generated<number>;
  /** Addresses and CIDRs (one a line) original clients of this company may connect from. */
  original_clients_from: Generated<string>;
  /** How the company's agents encode (a QualityPreset of @vaahshare/protocol). */
  quality_preset: Generated<string>;
  created_at: number;
}

/** A client's own retention: its days replace the company's for it; its bytes are a cap of its own. */
export interface ClientRetentionTable {
  client_id: number;
  company_id: number;
  retention_days: number | null;
  retention_max_bytes: number | null;
}

export interface PausesTable {
  id: Generated<number>;
  company_id: number;
  client_id: number;
  reason: string;
  started_at: number;
  /** When the pause ends as asked; `ended_at` is set when it ended earlier. */
  ends_at: number;
  ended_at: number | null;
}

export interface UsersTable {
  id: Generated<number>;
  company_id: number;
  email: string;
  password_hash: string;
  role: Role;
  created_at: number;
  /** 1: a viewer may download recordings (admins always may). */
  may_download: Generated<number>;
  /** Set while the user is disabled: it cannot log in and has no sessions. */
  disabled_at: number | null;
  /** The TOTP secret (base32) once the second factor is on; never answered, never logged. */
  totp_secret: Generated<string | null>;
  /** A secret shown for enrollment, until a code from it confirms it. */
  totp_pending_secret: Generated<string | null>;
  totp_enabled_at: Generated<number | null>;
  /** The TOTP time step of the last accepted code: only a later one is accepted (no replay within its window). */
  totp_last_step: Generated<number | null>;
}

/** A recovery code's sha256 (codes are random, shown once); a used one is deleted. */
export interface RecoveryCodesTable {
  user_id: number;
  code_hash: string;
}

/** A login whose password was right, waiting for its second factor: the sha256 of the token handed back for it. */
export interface LoginChallengesTable {
  token_hash: string;
  user_id: number;
  expires_at: number;
}

export interface SessionsTable {
  /** sha256 of the bearer token: a leaked database does not leak logins. */
  token_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
  /** The last request or dashboard socket of this session: it ends SESSION_IDLE_MINUTES after. */
  last_seen_at: number;
}

export interface EnrollmentTokensTable {
  id: Generated<number>;
  company_id: number;
  /** sha256 of the token: it is shown once, at creation, and a leaked database does not leak it. */
  token_hash: string;
  /** Its first characters, so admins tell tokens apart. */
  token_prefix: string;
  label: string | null;
  /** The group new clients of this token land in; null: the company's default group. */
  group_id: number | null;
  created_at: number;
  revoked_at: number | null;
}

/** A group of a company's clients (migration 014); exactly one per company is its default. */
export interface ClientGroupsTable {
  id: Generated<number>;
  company_id: number;
  name: string;
  is_default: number;
  created_at: number;
}

/** A company's default monitoring hours (`group_id` null) or a group's own: `hours` is the schedule's JSON. */
export interface MonitoringHoursTable {
  id: Generated<number>;
  company_id: number;
  group_id: number | null;
  hours: string;
  updated_at: number;
}

/** The groups given to a viewer. */
export interface UserGroupsTable {
  user_id: number;
  group_id: number;
}

export interface ClientsTable {
  id: Generated<number>;
  company_id: number;
  user_host: string;
  socket_id: string | null;
  meta: string;
  is_connected: number;
  is_reconnecting: number;
  is_streaming: number;
  /** Bumped by every new connection; transitions are guarded by it so stale sockets change nothing. */
  generation: number;
  /** The node holding the current connection. */
  node_id: string | null;
  grace_deadline: number | null;
  last_seen_at: number | null;
  /** Why the client is disconnected; null while it is connected or reconnecting. */
  disconnect_reason: DisconnectReason | null;
  /** The enrollment token of its current (or last) connection; null for original clients. */
  token_id: number | null;
  /** sha256 of the desktop's device secret (PROTOCOL.md §2); null until its next connection enrolls it, and for original clients. */
  device_secret_hash: string | null;
  /** Its group (of its company): set when the client is created, never null after migration 014. */
  group_id: number;
  created_at: number;
}

export interface PresenceEventsTable {
  id: Generated<number>;
  client_id: number;
  state: 'connected' | 'reconnecting' | 'disconnected';
  socket_id: string | null;
  at: number;
}

export interface AlertsTable {
  id: Generated<number>;
  company_id: number;
  client_id: number;
  type: 'idle';
  idle_seconds: number;
  /** The agent's id of the idle period; null from original clients. */
  agent_alert_id: string | null;
  away_seconds: number | null;
  /** How many reports this alert stands for: repeats within the company's idle threshold are counted, not stored. */
  repeat_count: Generated<number>;
  created_at: number;
  acknowledged_at: number | null;
}

export interface MediaTable {
  id: Generated<number>;
  company_id: number;
  client_id: number;
  /** The agent's name for a live segment (or a generated one); unique within the company. */
  segment_id: string;
  original_name: string;
  source: 'live' | 'upload';
  /** `deleting`: its files are being removed, then the row (a crash in between is finished by the next sweep). */
  status: 'recording' | 'processing' | 'ready' | 'error' | 'deleting';
  /** Bytes received while recording; the final file's size once ready. */
  size: number;
  duration_ms: number | null;
  has_thumbnail: number;
  /** Why processing failed, for status `error`. */
  error: string | null;
  /** The node writing (recording) or processing it. */
  node_id: string | null;
  started_at: number;
  ended_at: number | null;
  updated_at: number;
}

/** One line of the audit trail (append-only: see migration 011-audit). `details` is a small JSON object. */
export interface AuditEntriesTable {
  id: Generated<number>;
  at: number;
  company_id: number | null;
  actor_kind: 'user' | 'agent' | 'system';
  actor_user_id: number | null;
  actor_email: string | null;
  action: string;
  target_kind: string | null;
  target_id: number | null;
  target_label: string | null;
  ip: string | null;
  details: string | null;
}

/** A server node sharing the database; a node whose heartbeat is older than NODE_DEAD_AFTER_MS is dead. */
export interface ClusterNodesTable {
  id: string;
  started_at: number;
  heartbeat_at: number;
}

export interface Database {
  companies: CompaniesTable;
  users: UsersTable;
  sessions: SessionsTable;
  enrollment_tokens: EnrollmentTokensTable;
  clients: ClientsTable;
  presence_events: PresenceEventsTable;
  alerts: AlertsTable;
  media: MediaTable;
  cluster_nodes: ClusterNodesTable;
  pauses: PausesTable;
  client_retention: ClientRetentionTable;
  audit_entries: AuditEntriesTable;
  recovery_codes: RecoveryCodesTable;
  login_challenges: LoginChallengesTable;
  client_groups: ClientGroupsTable;
  user_groups: UserGroupsTable;
  monitoring_hours: MonitoringHoursTable;
}

export type ClientRow = Selectable<ClientsTable>;
export type NewPresenceEvent = Insertable<PresenceEventsTable>;
export type CompanyRow = Selectable<CompaniesTable>;
export type UserRow = Selectable<UsersTable>;
export type AlertRow = Selectable<AlertsTable>;
export type EnrollmentTokenRow = Selectable<EnrollmentTokensTable>;
export type MediaRow = Selectable<MediaTable>;
export type ClientGroupRow = Selectable<ClientGroupsTable>;
export type AuditEntryRow = Selectable<AuditEntriesTable>;
export type NewAuditEntry = Insertable<AuditEntriesTable>;
