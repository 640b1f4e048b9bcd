import type { AuditAction, Client, EnrollmentToken, MediaItem, MonitoringHours, RetentionRule, Settings, UpdateAccessBody, User } from '@vaahshare/protocol';

/** A user's role, a viewer's groups and its download right, as an admin sets them. */
export type UserAccess = Pick<User, 'role'> & { group_ids: number[]; may_download: boolean };
import { call, withQuery, type Query } from './http';
import { companyScope } from './scope';

export type { MediaItem } from '@vaahshare/protocol';

/** The API's largest page: the dashboard holds every client of the company. */
const PAGE = 1000;

export const authApi = {
  login: (email: string, password: string) => call('POST /api/auth/login', { body: { email, password } }),
  logout: () => call('POST /api/auth/logout'),
  me: () => call('GET /api/auth/me'),
  changePassword: (currentPassword: string, newPassword: string) =>
    call('POST /api/auth/password', { body: { current_password: currentPassword, new_password: newPassword } }),
  logoutEverywhere: () => call('POST /api/auth/logout-all'),
  /** The second step of a login with a second factor. */
  loginCode: (challenge: string, code: string) => call('POST /api/auth/login/code', { body: { challenge, code } }),
  totp: () => call('GET /api/auth/totp'),
  setupTotp: () => call('POST /api/auth/totp/setup'),
  enableTotp: (code: string) => call('POST /api/auth/totp/enable', { body: { code } }),
  disableTotp: (password: string) => call('POST /api/auth/totp/disable', { body: { password } }),
};

export const clientsApi = {
  page: (page: number) => call('GET /api/clients', { query: { page, per_page: PAGE, company_id: companyScope() } }),
  async all(): Promise<Client[]> {
    const first = await clientsApi.page(1);
    const rest = [];
    for (let page = 2; (page - 1) * PAGE < first.meta.total; page++) rest.push(clientsApi.page(page));
    return [first, ...(await Promise.all(rest))].flatMap((body) => body.data);
  },
  get: (id: number) => call('GET /api/clients/:id', { params: { id } }),
  /** The client and all its data (refused while it is connected). */
  remove: (id: number) => call('DELETE /api/clients/:id', { params: { id } }),
  resetEnrollment: (id: number) => call('POST /api/clients/:id/reset-enrollment', { params: { id } }),
};

export interface MediaQuery extends Query {
  client_id?: number;
  group_id?: number;
  from?: string;
  to?: string;
  source?: MediaItem['source'];
  status?: MediaItem['status'];
  page?: number;
  per_page?: number;
}

export const mediaApi = {
  list: (query: MediaQuery) => call('GET /api/media', { query: { ...query, company_id: companyScope() } }),
  remove: (id: number) => call('DELETE /api/media/:id', { params: { id } }),
  /** Every finished recording the filter selects (no paging). */
  removeSelected: (query: Omit<MediaQuery, 'page' | 'per_page'>) => call('DELETE /api/media', { query: { ...query, company_id: companyScope() } }),
};

export const storageApi = {
  get: () => call('GET /api/storage', { query: { company_id: companyScope() } }),
  /** The company's rule, or with `client_id` that client's own (both null removes it). */
  setRule: (rule: RetentionRule & { client_id?: number }) => call('PUT /api/retention', { body: { ...rule, company_id: companyScope() } }),
};

export const alertsApi = {
  list: (query: { client_id?: number; acknowledged?: boolean; page?: number; per_page?: number }) =>
    call('GET /api/alerts', { query: { ...query, company_id: companyScope() } }),
  acknowledge: (id: number) => call('POST /api/alerts/:id/acknowledge', { params: { id } }),
};

/** A token as listed, with the token itself when it was created on this page (the server shows it only then). */
export type ShownToken = EnrollmentToken & { token?: string };

export const companiesApi = {
  list: () => call('GET /api/companies'),
  tokens: (companyId: number) => call('GET /api/companies/:id/tokens', { params: { id: companyId } }),
  /** `groupId`: the group its new clients land in (else the company's default group). */
  createToken: (companyId: number, label?: string, groupId?: number) =>
    call('POST /api/companies/:id/tokens', { params: { id: companyId }, body: { ...(label && { label }), ...(groupId && { group_id: groupId }) } }),
  revokeToken: (companyId: number, tokenId: number) =>
    call('DELETE /api/companies/:id/tokens/:tokenId', { params: { id: companyId, tokenId } }),
  settings: (companyId: number) => call('GET /api/companies/:id/settings', { params: { id: companyId } }),
  updateSettings: (companyId: number, settings: Partial<Settings>) =>
    call('PATCH /api/companies/:id/settings', { params: { id: companyId }, body: settings }),
  access: (companyId: number) => call('GET /api/companies/:id/access', { params: { id: companyId } }),
  updateAccess: (companyId: number, body: UpdateAccessBody) => call('PATCH /api/companies/:id/access', { params: { id: companyId }, body }),
};

export const usersApi = {
  list: () => call('GET /api/users'),
  create: (body: { email: string; password: string; company_id: number } & UserAccess) => call('POST /api/users', { body }),
  setAccess: (id: number, access: UserAccess) => call('PUT /api/users/:id/access', { params: { id }, body: access }),
  setDisabled: (id: number, disabled: boolean) => call('PATCH /api/users/:id', { params: { id }, body: { disabled } }),
  resetPassword: (id: number, password: string) => call('PUT /api/users/:id/password', { params: { id }, body: { password } }),
  remove: (id: number) => call('DELETE /api/users/:id', { params: { id } }),
  /** A lost phone: the user logs in with the password alone (and sets one up again where it is required). */
  resetSecondFactor: (id: number) => call('DELETE /api/users/:id/totp', { params: { id } }),
};

export const monitoringHoursApi = {
  get: () => call('GET /api/monitoring-hours', { query: { company_id: companyScope() } }),
  /** A group's schedule, or with `groupId` null the company's default; `hours` null removes it. */
  set: (groupId: number | null, hours: MonitoringHours | null) => call('PUT /api/monitoring-hours', { body: { group_id: groupId, hours, company_id: companyScope() } }),
};

export const groupsApi = {
  list: () => call('GET /api/groups', { query: { company_id: companyScope() } }),
  create: (name: string) => call('POST /api/groups', { body: { name, company_id: companyScope() } }),
  rename: (id: number, name: string) => call('PATCH /api/groups/:id', { params: { id }, body: { name } }),
  /** Its clients go to the default group. */
  remove: (id: number) => call('DELETE /api/groups/:id', { params: { id } }),
  moveClients: (id: number, clientIds: number[]) => call('POST /api/groups/:id/clients', { params: { id }, body: { client_ids: clientIds } }),
};

export const agentDownloadsApi = {
  get: () => call('GET /api/agent-downloads'),
};

export interface AuditFilter extends Query {
  /** Undefined: every company (a superadmin's view); anyone else only ever gets their own. */
  company_id?: number;
  actor?: string;
  target?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
}

export const auditApi = {
  list: (filter: AuditFilter, page: number, per_page: number) => call('GET /api/audit', { query: { ...filter, page, per_page } }),
  /** The CSV export of the same filtered entries (a link: the browser downloads it with the session cookie). */
  csvUrl: (filter: AuditFilter) => withQuery('/api/audit.csv', filter),
};
