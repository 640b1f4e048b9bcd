/**
 * Whether the dashboard's clients list still answers while the server is busy (a reconnect storm): asks
 * `GET /api/clients` page after page, as the dashboard loads its list (1 000 a page), one request at a
 * time, until stopped.
 */
import { percentile, round, sleep } from './lib.js';

/** The dashboard's page size (packages/dashboard/src/api/index.ts): the API's largest page. */
const PER_PAGE = 1000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface ClientsListSamples {
  requests: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
  /** The first few failures: status and body, or the network error. */
  errors: string[];
}

async function askPage(url: string, token: string, page: number): Promise<number> {
  const startedAt = performance.now();
  const res = await fetch(`${url}/api/clients?page=${page}&per_page=${PER_PAGE}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await res.text();
  // Measured until the whole page arrived, as the dashboard waits for it; checked after the clock stopped.
  const ms = performance.now() - startedAt;
  if (res.status !== 200) throw new Error(`${res.status} ${body.slice(0, 200)}`);
  if (!Array.isArray((JSON.parse(body) as { data?: unknown }).data)) throw new Error(`no data in ${body.slice(0, 200)}`);
  return ms;
}

/** Starts asking for pages 1, 2, … of `clients` (then 1 again), one every `everyMs` or as soon as the last one answered. */
export function sampleClientsList(url: string, token: string, clients: number, everyMs: number) {
  const pages = Math.max(1, Math.ceil(clients / PER_PAGE));
  const latencies: number[] = [];
  const errors: string[] = [];
  let failures = 0;
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const startedAt = performance.now();
      try {
        latencies.push(await askPage(url, token, (i % pages) + 1));
      } catch (err) {
        failures++;
        if (errors.length < 5) errors.push(err instanceof Error ? err.message : String(err));
      }
      const rest = everyMs - (performance.now() - startedAt);
      if (rest > 0 && !stopped) await sleep(rest);
    }
  })();
  return {
    stop: async (): Promise<ClientsListSamples> => {
      stopped = true;
      await loop;
      return {
        requests: latencies.length + failures,
        failures,
        p50: round(percentile(latencies, 50)),
        p99: round(percentile(latencies, 99)),
        max: round(latencies.length ? Math.max(...latencies) : NaN),
        errors,
      };
    },
  };
}
