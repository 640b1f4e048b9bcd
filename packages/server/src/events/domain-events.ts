import type { Client, MachineInfo } from '@vaahshare/protocol';
import { EventBus } from './bus.js';

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
  /** An agent socket holds its client's connection and is in its rooms; awaited before `client-connected` is acked. */
  'agent-connected': { clientId: number; legacy: boolean; changed: boolean; socketId: string; machineInfo: MachineInfo };
  /**
   * Every node beat: `alive` are the nodes with a row. What nodes without one held (clients, processing, viewers)
   * is taken over, each item by one node's guarded update. Awaited: the next beat waits for it.
   */
  'nodes-checked': { alive: string[] };
  /** An enrollment token was revoked: its agents can no longer come back. Awaited before their sockets are cut. */
  'token-revoked': { tokenId: number };
  /** A dashboard login succeeded (`ip` as the server sees it: the client's, behind a trusted proxy). */
  'logged-in': { userId: number; companyId: number; email: string; ip: string };
  /** A dashboard login was refused: the e-mail as typed, the reason, and the user when the e-mail is one. */
  'login-failed': { email: string; ip: string; reason: 'unknown_email' | 'wrong_password' | 'throttled' | 'disabled'; userId?: number; companyId?: number };
  /** A live segment is open on this node (new, or resumed after a reconnect). */
  'segment-opened': { clientId: number; mediaId: number; segmentId: string };
  /** A live segment is closed for good (stopped, its client gone, or abandoned by a dead node): it is to be finalized. */
  'segment-closed': { mediaId: number };
}

export type DomainEventBus = EventBus<DomainEvents>;

export const createDomainEvents = (onError: (event: keyof DomainEvents, err: unknown) => void): DomainEventBus =>
  new EventBus<DomainEvents>(onError);
