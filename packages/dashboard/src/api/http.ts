import type { ErrorBody } from '@vaahshare/protocol';

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
  throw new ApiError(res.status, error.error ?? 'http_error', error.message ?? `The server answered ${res.status} ${res.statusText}`);
}

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
