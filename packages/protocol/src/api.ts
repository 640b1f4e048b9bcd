import type { AgentDownloads } from './agent-downloads.js';
import type { ClientRetention, DeletionResult, RetentionRule, StorageOverview } from './storage.js';
import type { AuditEntry } from './audit.js';
import type { AccessSettings, LoginChallenge, SecondFactorState, SessionUser, TotpEnrollment } from './access.js';
import type { MonitoringHours, MonitoringHoursOverview } from './monitoring-hours.js';
import type { Alert, Client, ClientDetail, Company, EnrollmentToken, Group, ManagedUser, Media, Settings, User } from './models.js';

/** A media item as the REST API and the media events show it: the wire model plus its segment id and failure. */
export type MediaItem = Media & { segment_id: string; error: string | null };

export interface ListBody<T> {
  data: T[];
  meta: { total: number; page: number; per_page: number };
}
export interface ItemBody<T> {
  data: T;
}

/** What agents read at start: the company's idle settings, in the original client's shape. */
export interface ClientAssets {
  localization: { idle_message: string };
  idle_threshold_seconds: number;
}

/** The answer to an agent asking which of its local recordings the server has. */
export type MediaCheck = ItemBody<{ medias: Array<MediaItem & { name: string }> }>;

/**
 * Every dashboard and agent REST route (`METHOD /path`, parameters as `:name`) and its success body: the server's
 * handlers are typed with it, and the dashboard's API client calls routes by these names.
 */
export interface ApiRoutes {
  /** A user with a second factor gets a challenge instead: the login ends with `POST /api/auth/login/code`. */
  'POST /api/auth/login': { token: string; user: User } | LoginChallenge;
  'POST /api/auth/login/code': { token: string; user: User };
  'POST /api/auth/logout': { ok: true };
  'GET /api/auth/me': ItemBody<SessionUser>;
  'GET /api/auth/totp': ItemBody<SecondFactorState & { recovery_codes_left: number }>;
  /** The secret is in this answer only; it takes effect once `enable` got a code of it. */
  'POST /api/auth/totp/setup': ItemBody<TotpEnrollment>;
  /** The recovery codes are in this answer only. */
  'POST /api/auth/totp/enable': ItemBody<{ recovery_codes: string[] }>;
  'POST /api/auth/totp/disable': { ok: true };
  'DELETE /api/users/:id/totp': ItemBody<ManagedUser>;
  'GET /api/companies/:id/access': ItemBody<AccessSettings>;
  'PATCH /api/companies/:id/access': ItemBody<AccessSettings>;
  'POST /api/auth/logout-all': { ok: true; ended_sessions: number };
  'POST /api/auth/password': { ok: true };
  'GET /api/users': ListBody<ManagedUser>;
  'POST /api/users': ItemBody<ManagedUser>;
  'PATCH /api/users/:id': ItemBody<ManagedUser>;
  'PUT /api/users/:id/access': ItemBody<ManagedUser>;
  'GET /api/groups': ListBody<Group>;
  'POST /api/groups': ItemBody<Group>;
  'PATCH /api/groups/:id': ItemBody<Group>;
  /** Its clients move to the company's default group (`moved`). */
  'DELETE /api/groups/:id': ItemBody<{ moved: number }>;
  'POST /api/groups/:id/clients': ItemBody<{ moved: number }>;
  'PUT /api/users/:id/password': { ok: true };
  'DELETE /api/users/:id': { ok: true };
  'GET /api/companies': ListBody<Company>;
  'POST /api/companies': ItemBody<Company & { enrollment_token: string }>;
  'GET /api/companies/:id/tokens': ListBody<EnrollmentToken>;
  /** The token itself is in this answer only (shown once). */
  'POST /api/companies/:id/tokens': ItemBody<EnrollmentToken & { token: string }>;
  'DELETE /api/companies/:id/tokens/:tokenId': ItemBody<EnrollmentToken>;
  'GET /api/companies/:id/settings': ItemBody<Settings>;
  'PATCH /api/companies/:id/settings': ItemBody<Settings>;
  'GET /api/clients': ListBody<Client>;
  'GET /api/clients/assets': ItemBody<ClientAssets>;
  'GET /api/clients/:id': ItemBody<ClientDetail>;
  'POST /api/clients/:id/reset-enrollment': ItemBody<Client>;
  'GET /api/alerts': ListBody<Alert>;
  'POST /api/alerts/:id/acknowledge': ItemBody<Alert>;
  'GET /api/media': ListBody<MediaItem>;
  'GET /api/media/:id': ItemBody<MediaItem>;
  'POST /api/media/upload': ItemBody<MediaItem> & { duplicate: boolean };
  'POST /api/media/check': MediaCheck;
  'GET /api/agent-downloads': ItemBody<AgentDownloads>;
  'GET /api/storage': ItemBody<StorageOverview>;
  'PUT /api/retention': ItemBody<RetentionRule | ClientRetention>;
  'DELETE /api/media/:id': ItemBody<DeletionResult>;
  'DELETE /api/media': ItemBody<DeletionResult>;
  'DELETE /api/clients/:id': ItemBody<DeletionResult>;
  'GET /api/audit': ListBody<AuditEntry>;
  'GET /api/monitoring-hours': ItemBody<MonitoringHoursOverview>;
  'PUT /api/monitoring-hours': ItemBody<{ group_id: number | null; hours: MonitoringHours | null }>;
}

export type ApiRoute = keyof ApiRoutes;
export type ApiResponse<R extends ApiRoute> = ApiRoutes[R];

type ParamNames<Path extends string> = Path extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : Path extends `${string}:${infer Name}`
    ? Name
    : never;
type PathOf<R extends ApiRoute> = R extends `${string} ${infer Path}` ? Path : never;
/** The values of a route's `:name` parameters. */
export type ApiParams<R extends ApiRoute> = Record<ParamNames<PathOf<R>>, string | number>;

/** `METHOD /path/:id` with its parameters filled in: `{ method, path }`. */
export function apiRequest<R extends ApiRoute>(route: R, params: ApiParams<R>): { method: string; path: string } {
  const [method, template] = route.split(' ') as [string, string];
  const values = params as Record<string, string | number>;
  const path = template.replace(/:([A-Za-z]+)/g, (_match, name: string) => encodeURIComponent(String(values[name])));
  return { method, path };
}
