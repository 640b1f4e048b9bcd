import type {
  AlertPayload,
  ClientConnectedPayload,
  PausePayload,
  StartStreamingPayload,
  VideoFramePayload,
} from './agent-events.js';
import type { AgentUpdateOffer, AgentUpdateStatus } from './agent-downloads.js';
import type { WatchPayload } from './dashboard-events.js';
import type { Alert, Client, Company, Media, Pause, Settings, ViewersPayload } from './models.js';
import type { MonitoringHoursPayload } from './monitoring-hours.js';
import type { DiskStatus } from './storage.js';

/** Every failed ack and every `error` event carries a stable code and a sentence for humans. */
export interface ErrorReply {
  ok: false;
  error: string;
  message: string;
  expected_offset?: number;
  /**
   * `storage_full` (the server's disk is short of space), `rate_limited` and `backlog_full` (docs/PROTOCOL.md §8.18),
   * `too_many_new_clients`: when to send the same event again; keep what it carried meanwhile.
   */
  retry_after_ms?: number;
}
export type Reply<T extends object = object> = ({ ok: true } & T) | ErrorReply;
export type Ack<T extends object = object> = (reply: Reply<T>) => void;

export interface ClientConnectedSuccess {
  client: Client;
  /** The company the desktop belongs to (its agent shows the name; the original client ignores it). */
  company?: Company;
  /**
   * Only when this connection enrolled the desktop (PROTOCOL.md §2 "Device credential"): the secret every later
   * `client-connected` and upload of this `user_host` must present. Shown once; the server keeps only its hash.
   */
  device_secret?: string;
}

/** Events a socket may send to the server (agents and dashboards share the namespace). */
export interface ClientToServerEvents {
  'client-connected': (payload: ClientConnectedPayload, ack?: Ack<ClientConnectedSuccess>) => void;
  'app-closed': (ack?: Ack) => void;
  'start-streaming': (payload: StartStreamingPayload, ack?: Ack<{ segment_id: string; offset: number }>) => void;
  'video-frame': (payload: VideoFramePayload, ack?: Ack<{ offset: number }>) => void;
  'stop-streaming': (payload?: unknown, ack?: Ack) => void;
  alert: (payload: AlertPayload, ack?: Ack<{ alert: Alert }>) => void;
  /** Agents only (PROTOCOL.md §8.9): the person pauses the recording, when the company allows it; `resume` ends it early. */
  pause: (payload: PausePayload, ack?: Ack<{ pause: Pause }>) => void;
  resume: (payload?: unknown, ack?: Ack<{ pause: Pause | null }>) => void;
  /** Agents only (PROTOCOL.md §8.14): where its self-update stands; dashboards hear `client-updated`. */
  'agent-update-status': (payload: AgentUpdateStatus, ack?: Ack<{ client: Client }>) => void;
  watch: (payload: WatchPayload, ack?: Ack) => void;
  unwatch: (payload: WatchPayload, ack?: Ack) => void;
}

export interface MediaEventPayload {
  media: Pick<Media, 'id' | 'original_name'> & Partial<Media>;
}

export type ClientWithSegment = Client & { segment_id: string };

/** Events the server sends to agents and to dashboards (company room). */
export interface ServerToClientEvents {
  'client-connected-success': (payload: ClientConnectedSuccess) => void;
  settings: (payload: Settings) => void;
  /** Who watches this desktop live now (agents only, PROTOCOL.md §8.9): sent on every change. */
  viewers: (payload: ViewersPayload) => void;
  /** Agents of this project only (PROTOCOL.md §8.14): the server holds another build for the agent's platform. */
  'agent-update': (payload: AgentUpdateOffer) => void;
  /** Agents of this project only (PROTOCOL.md §8.24): the desktop's monitoring hours, on connect and at every change. */
  'monitoring-hours': (payload: MonitoringHoursPayload) => void;
  'connect-stream': () => void;
  'disconnect-stream': () => void;
  'processing-video': (payload: MediaEventPayload) => void;
  'video-processed': (payload: MediaEventPayload) => void;
  'video-error': (payload: MediaEventPayload) => void;
  error: (payload: Omit<ErrorReply, 'ok'> & { event?: string }) => void;

  'client-connected': (client: Client) => void;
  'client-reconnecting': (client: Client) => void;
  'client-disconnected': (client: Client) => void;
  /** A client changed without a presence transition: its agent's self-update started or failed (PROTOCOL.md §8.14). */
  'client-updated': (client: Client) => void;
  'start-streaming': (payload: ClientWithSegment) => void;
  'stop-streaming': (payload: ClientWithSegment) => void;
  'alert-created': (payload: { alert: Alert }) => void;
  /** An alert changed: its person came back (`away_seconds`). */
  'alert-updated': (payload: { alert: Alert }) => void;
  /** A client's pause started, or ended early (`ended_at`). */
  'pause-updated': (payload: { pause: Pause }) => void;
  'media-updated': (payload: { media: Media }) => void;
  /** Recordings were deleted (by someone, or by the retention sweep). */
  'media-deleted': (payload: { ids: number[] }) => void;
  /** A client and all its data were deleted. */
  'client-deleted': (payload: { id: number }) => void;
  /** A company's monitoring hours changed (PROTOCOL.md §8.24): dashboards that see the groups concerned read them again. */
  'monitoring-hours-updated': (payload: { company_id: number }) => void;
  /** The server's data directory went below MIN_FREE_DISK_MB free (`low`: new video refused) or has room again. */
  'storage-status': (payload: DiskStatus) => void;
  'stream-init': (payload: { client_id: number; segment_id: string; buffer: Uint8Array }) => void;
  'video-frame': (payload: { client_id: number; segment_id: string; buffer: Uint8Array }) => void;
}

/** Presence event names, in the order of the lifecycle. */
export const PRESENCE_EVENTS = ['client-connected', 'client-reconnecting', 'client-disconnected'] as const;
export type PresenceEventName = (typeof PRESENCE_EVENTS)[number];

/** Socket handshake `query.app`: which role a socket plays. */
export const AGENT_APPS = ['agent', 'electron'] as const;
export const DASHBOARD_APP = 'backend';
