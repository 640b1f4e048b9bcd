import { apiRequest, type ApiParams, type ApiResponse, type ApiRoute, type ErrorBody } from '@vaahshare/protocol';

/** A refused or failed API call, with the server's error code and its sentence for humans. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized = () => {};
/** Called when a session ends under the dashboard's feet (expired, logged out elsewhere). */
export function whenUnauthorized(handler: () => void) {
  onUnauthorized = handler;
}

let onSecondFactorRequired = () => {};
/** Called when the server refuses a call until the user sets up a second factor (the company started to require one). */
export function whenSecondFactorRequired(handler: () => void) {
  onSecondFactorRequired = handler;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** One JSON call to the server's API; the session rides on its httpOnly cookie. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached: check that it is running and that you are online.');
  }
  const data = parseJson(await res.text());
  if (res.ok) return data as T;
  const error = (data ?? {}) as Partial<ErrorBody>;
  if (res.status === 401 && !path.startsWith('/api/auth/')) onUnauthorized();
  if (res.status === 403 && error.error === 'second_factor_setup_required') onSecondFactorRequired();
  throw new ApiError(res.status, error.error ?? 'http_error', error.message ?? `The server answered ${res.status} ${res.statusText}`);
}

type CallOptions<R extends ApiRoute> = { query?: Query; body?: unknown } & (keyof ApiParams<R> extends never ? { params?: never } : { params: ApiParams<R> });

/** Calls a route of the API by its name in `ApiRoutes` (@vaahshare/protocol); the answer has that route's type. */
export function call<R extends ApiRoute>(route: R, ...[options]: keyof ApiParams<R> extends never ? [CallOptions<R>?] : [CallOptions<R>]) {
  const { method, path } = apiRequest(route, (options?.params ?? {}) as ApiParams<R>);
  return request<ApiResponse<R>>(method, withQuery(path, options?.query), options?.body);
}

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
