import type { Client, MachineInfo, MonitoringHours, RetentionRule, User } from '@vaahshare/protocol';
import { EventBus } from './bus.js';

/**
 * Who did something and from which address (as the server's trustProxy resolves it): a dashboard user, an agent,
 * or the server itself. The auth feature builds one from a request or a dashboard socket (`actorOf`, `socketActor`).
 */
export interface Actor {
  kind: 'user' | 'agent' | 'system';
  userId: number | null;
  email: string | null;
  /** The actor's own company (a superadmin may act on another). */
  companyId: number | null;
  ip: string | null;
}

/** Something a person did to something of a company: what the audit trail records of every such event. */
export interface Action {
  actor: Actor;
  /** The company acted on. */
  companyId: number;
}

export type UserChange = 'disabled' | 'enabled' | 'removed' | 'password-reset' | 'password-changed' | 'access-changed' | 'totp-enabled' | 'totp-disabled' | 'totp-reset';

/** A user's role, a viewer's groups and its download right (before and after an `access-changed`). */
export interface UserAccess {
  role: string;
  group_ids: number[];
  may_download: boolean;
}

/**
 * What happens in the server that another feature may react to. A feature emits its own events; the
 * feature that reacts listens (streaming finishes the recording of a client gone for good; media finalizes
 * a closed segment). Each payload is what the listeners need, nothing more.
 */
export interface DomainEvents {
  /** A client's connection was taken by a new socket (not a socket repeating `client-connected`). */
  'client-connected': Client;
  /** A client's connection dropped: it has its grace period to come back. */
  'client-reconnecting': Client;
  /** A client is gone for good: its grace period ended or its app closed. */
  'client-gone': Client;
  /**
   * A node released its clients (`count` became reconnecting) while no dashboard could hear it, as at a single node's
   * start-up: instead of a `client-reconnecting` for each.
   */
  'clients-released': { count: number };
  /** An agent socket holds its client's connection and is in its rooms; awaited before `client-connected` is acked. */
  'agent-connected': {
    clientId: number;
    legacy: boolean;
    changed: boolean;
    socketId: string;
    machineInfo: MachineInfo;
    /** The client's company and group as the connect wrote them, and when (this node's clock) it started to. */
    placed: { companyId: number; groupId: number | null; at: number };
  };
  /**
   * Every node beat: `alive` are the nodes with a row. What nodes without one held (clients, processing, viewers)
   * is taken over, each item by one node's guarded update. Awaited: the next beat waits for it.
   */
  'nodes-checked': { alive: string[] };
  /** An enrollment token was revoked: its agents can no longer come back. Awaited before their sockets are cut. */
  'token-revoked': Action & { tokenId: number; label: string | null };
  /** An enrollment token was created. */
  'token-created': Action & { tokenId: number; label: string | null };
  /** A dashboard login succeeded (`ip` as the server sees it: the client's, behind a trusted proxy), with the second factor it took, if any. */
  'logged-in': { userId: number; companyId: number; email: string; ip: string; secondFactor?: 'totp' | 'recovery-code' };
  /** A dashboard login was refused: the e-mail as typed, the reason, and the user when the e-mail is one. */
  'login-failed': { email: string; ip: string; reason: 'unknown_email' | 'wrong_password' | 'wrong_code' | 'throttled' | 'disabled'; userId?: number; companyId?: number };
  /** A company's settings changed: `changes` holds the settings sent that differ from before (old and new value). */
  'settings-changed': Action & { changes: Record<string, { from: unknown; to: unknown }> };
  /** A user was created. */
  'user-created': Action & { user: User };
  /** A user was disabled, enabled, removed or had the password reset by an admin, or changed their own password. */
  'user-changed': Action & { user: { id: number; email: string }; change: UserChange; access?: { before: UserAccess; after: UserAccess } };
  /** A group of clients was created, renamed (`before`: the old name) or deleted (`moved`: its clients, now in the default group). */
  'group-changed': Action & { group: { id: number; name: string }; change: 'created' | 'renamed' | 'deleted'; before?: string; moved?: number };
  /** Clients were moved into a group (`clients`: each one's user@host and the group it was in). */
  'clients-moved': Action & { group: { id: number; name: string }; clients: Array<{ id: number; label: string; from: number }> };
  /** A company was created (by a superadmin). */
  'company-created': Action & { name: string };
  /** A desktop's device credential was forgotten: its next connection enrolls it again. */
  'enrollment-reset': Action & { clientId: number; label: string };
  /** A dashboard socket started watching a client live (`label`: the client's user@host). */
  'live-view-started': Action & { clientId: number; label: string; startedAt: number };
  /** It stopped (`unwatch`, or the socket disconnected); `startedAt` is when it started (ms). */
  'live-view-ended': Action & { clientId: number; label: string; startedAt: number };
  /** A recording's video was played (once per viewer and recording within a few minutes, not per range request). */
  'recording-played': Action & { mediaId: number; label: string };
  /** A recording's video was downloaded as a file. */
  'recording-downloaded': Action & { mediaId: number; label: string };
  /** A live segment is open on this node (new, or resumed after a reconnect). */
  'segment-opened': { clientId: number; mediaId: number; segmentId: string };
  /** A live segment is closed for good (stopped, its client gone, or abandoned by a dead node): it is to be finalized. */
  'segment-closed': { mediaId: number };
  /**
   * A live segment turned out to hold no video frame (no byte, or a WebM header only: its recorder stopped before its
   * first frame); its row is still `processing` on this node. It is no recording: retention deletes it (`media-deleted`,
   * reason `empty`). Awaited: media tells the agent once it is gone.
   */
  'live-recording-empty': { companyId: number; clientId: number; mediaId: number };
  /** Recordings were deleted (rows and files), by someone or by the system (`actor` null). One event per batch. */
  'media-deleted': {
    companyId: number;
    media: DeletedMedia[];
    /** `resumed`: a deletion a crash interrupted, finished by the next sweep; `empty`: a live segment with no frame. */
    reason: 'user' | 'retention' | 'client-deleted' | 'resumed' | 'empty';
    actor: Actor | null;
  };
  /** A client and all its data were deleted. */
  'client-deleted': { companyId: number; clientId: number; userHost: string; recordings: number; bytes: number; actor: Actor };
  /** A company's retention rule (`clientId` null) or a client's own was set; `before` null: there was none. */
  'retention-changed': { companyId: number; clientId: number | null; before: RetentionRule | null; after: RetentionRule | null; actor: Actor };
  /** A company's default monitoring hours (`group` null) or a group's were set or removed (null: none). */
  'monitoring-hours-changed': Action & { group: { id: number; name: string } | null; before: MonitoringHours | null; after: MonitoringHours | null };
  /** This node's data directory went below MIN_FREE_DISK_MB free (`low`), or has room again. */
  'disk-space-changed': { low: boolean; freeBytes: number; minFreeBytes: number };
}

export interface DeletedMedia {
  id: number;
  clientId: number;
  size: number;
  startedAt: number;
}

export type DomainEventBus = EventBus<DomainEvents>;

export const createDomainEvents = (onError: (event: keyof DomainEvents, err: unknown) => void): DomainEventBus =>
  new EventBus<DomainEvents>(onError);
