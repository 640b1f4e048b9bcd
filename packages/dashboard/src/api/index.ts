import type {
  AgentDownloads,
  Alert,
  Client,
  ClientDetail,
  Company,
  EnrollmentToken,
  ItemBody,
  ListBody,
  Media,
  Settings,
  User,
} from '@vaahshare/protocol';
import { request, withQuery, type Query } from './http';
import { companyScope } from './scope';

/** The API's largest page: the dashboard holds every client of the company. */
const PAGE = 1000;

export const authApi = {
  login: (email: string, password: string) => request<{ token: string; user: User }>('POST', '/api/auth/login', { email, password }),
  logout: () => request<{ ok: true }>('POST', '/api/auth/logout'),
  me: () => request<ItemBody<User>>('GET', '/api/auth/me'),
};

export const clientsApi = {
  page: (page: number) => request<ListBody<Client>>('GET', withQuery('/api/clients', { page, per_page: PAGE, company_id: companyScope() })),
  async all(): Promise<Client[]> {
    const first = await clientsApi.page(1);
    const rest = [];
    for (let page = 2; (page - 1) * PAGE < first.meta.total; page++) rest.push(clientsApi.page(page));
    return [first, ...(await Promise.all(rest))].flatMap((body) => body.data);
  },
  get: (id: number) => request<ItemBody<ClientDetail>>('GET', `/api/clients/${id}`),
};

export type MediaItem = Media & { segment_id?: string; error?: string | null };

export interface MediaQuery extends Query {
  client_id?: number;
  from?: string;
  to?: string;
  source?: Media['source'];
  status?: Media['status'];
  page?: number;
  per_page?: number;
}

export const mediaApi = {
  list: (query: MediaQuery) => request<ListBody<MediaItem>>('GET', withQuery('/api/media', { ...query, company_id: companyScope() })),
};

export const alertsApi = {
  list: (query: { client_id?: number; acknowledged?: boolean; page?: number; per_page?: number }) =>
    request<ListBody<Alert>>('GET', withQuery('/api/alerts', { ...query, company_id: companyScope() })),
  acknowledge: (id: number) => request<ItemBody<Alert>>('POST', `/api/alerts/${id}/acknowledge`),
};

export const companiesApi = {
  list: () => request<ListBody<Company>>('GET', '/api/companies'),
  tokens: (companyId: number) => request<ListBody<EnrollmentToken>>('GET', `/api/companies/${companyId}/tokens`),
  createToken: (companyId: number, label?: string) =>
    request<ItemBody<EnrollmentToken>>('POST', `/api/companies/${companyId}/tokens`, label ? { label } : {}),
  revokeToken: (companyId: number, tokenId: number) => request<ItemBody<EnrollmentToken>>('DELETE', `/api/companies/${companyId}/tokens/${tokenId}`),
  settings: (companyId: number) => request<ItemBody<Settings>>('GET', `/api/companies/${companyId}/settings`),
  updateSettings: (companyId: number, settings: Partial<Settings>) =>
    request<ItemBody<Settings>>('PATCH', `/api/companies/${companyId}/settings`, settings),
};

export const usersApi = {
  list: () => request<ListBody<User>>('GET', '/api/users'),
  create: (body: { email: string; password: string; company_id: number; role: User['role'] }) =>
    request<ItemBody<User>>('POST', '/api/users', body),
};

export const agentDownloadsApi = {
  get: () => request<ItemBody<AgentDownloads>>('GET', '/api/agent-downloads'),
};
