/** What the agent's window shows: the whole view, pushed to the page as one JSON object. */

export type ConnectionState = 'connecting' | 'live' | 'catching-up' | 'offline' | 'stopping' | 'stopped';

export interface SegmentView {
  id: string;
  /** `live`: streamed with offsets; `upload`: sent whole over HTTP (made offline, or by `record`). */
  mode: 'live' | 'upload';
  /** The recording being captured now. */
  current: boolean;
  started_at: string;
  size: number;
  /** Bytes the server holds (an upload: 0 until it is done). */
  sent: number;
  /** Bytes per second over the last few seconds, while sending. */
  speed: number;
  /** Failed attempts to send it, and the last one's reason. */
  retries: number;
  last_error: string | null;
}

export interface GuiView {
  user_host: string;
  server: string;
  company: string | null;
  state: ConnectionState;
  /** Since when the agent is in this state (ISO). */
  since: string;
  /** Captured bytes the server does not hold yet. */
  pending_bytes: number;
  recording: { id: string; started_at: string } | null;
  /** Who is watching this screen live now: names, or "an administrator" when the company hides them. */
  viewers: string[];
  segments: SegmentView[];
  /** The company's idle message, while the person is idle past the company's threshold. */
  idle: { message: string; since: string } | null;
  /** Outside the desktop's monitoring hours nothing is recorded; `until`: when recording starts (`Mon 09:00`), if ever. */
  outside_hours: { until: string | null } | null;
  /** A pause of the recording the person asked for, until it ends. */
  pause: { until: string; reason: string } | null;
  /** The company's pause policy (null until the server sent its settings). */
  pause_policy: { allowed: boolean; max_minutes: number } | null;
  settings: EditableSettings;
  start_at_login: StartAtLoginView;
}

/** Whether the agent starts at login (the real autostart entry), how, or why it cannot here. */
export interface StartAtLoginView {
  enabled: boolean;
  /** In words, e.g. "a systemd user service"; null where there is none. */
  mechanism: string | null;
  file: string | null;
  /** Why it cannot start at login here, and what to do instead. */
  problem: string | null;
}

export interface EditableSettings {
  server: string;
  /** Only whether one is set: the token never leaves the agent. */
  has_token: boolean;
  fps: number;
  size: string;
  /** A bitrate cap of this desktop's own; empty: the company's quality preset decides. */
  bitrate: string;
  display: string;
  /** Where `setup` and the window save them; flags and environment variables override it. */
  config_file: string;
}

export type ActionResult = { ok: true; message: string } | { ok: false; message: string };
