import { PRESENCE_EVENTS, type Client, type ClientWithSegment } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowReactive, shallowRef } from 'vue';
import { clientsApi } from '../api';
import { errorText } from '../api/http';
import { formatMoment } from '../lib/format';
import type { DashboardSocket } from '../realtime/socket';

export type Presence = 'connected' | 'reconnecting' | 'disconnected';

export const presenceOf = (c: Pick<Client, 'is_connected' | 'is_reconnecting'>): Presence =>
  !c.is_connected ? 'disconnected' : c.is_reconnecting ? 'reconnecting' : 'connected';

/**
 * The last moment a client was known to be there: now while it is online; otherwise when its connection
 * dropped or it said goodbye (the server's `last_seen_at`; at connect time it holds when the client came).
 */
export const lastSeen = (c: Pick<Client, 'is_connected' | 'is_reconnecting' | 'last_seen_at'>) =>
  presenceOf(c) === 'connected' ? 'online now' : formatMoment(c.last_seen_at);

/** What the Live page shows: connected clients that stream; a disconnected one leaves it at once. */
const isLive = (c: Client) => c.is_streaming && presenceOf(c) === 'connected';

/** Each client is reactive on its own, so a presence change re-renders its row and the counts, not the table. */
const reactiveClient = (client: Client): Client => reactive({ ...client });

const withoutSegment = ({ segment_id: _segment, ...client }: ClientWithSegment): Client => client;

// A collator compares ten times faster than `localeCompare`, which builds one per call: 10 000 clients sort in ms.
const collator = new Intl.Collator();
const byUserHost = (a: Client, b: Client) => collator.compare(a.user_host, b.user_host);

/** Where a client is, or would go, in a list sorted by `byUserHost` (binary search). */
export function placeOf(list: readonly Client[], client: Client) {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (byUserHost(list[mid]!, client) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Every client of the company with its live presence, as the seed's backend store keeps it: presence events
 * update the client in place (or add it), and the counts follow. A full re-fetch after each socket
 * (re)connection replaces what may have been missed; events arriving during it are applied after it.
 * With 10 000 clients and a hundred presence changes a second, an event costs O(1): the counts and the set
 * of streaming clients are kept up to date by each change instead of being recounted over every client.
 */
export const useClientsStore = defineStore('clients', () => {
  const byId = shallowReactive(new Map<number, Client>());
  const counts = reactive<Record<Presence, number>>({ connected: 0, reconnecting: 0, disconnected: 0 });
  const streamingIds = shallowReactive(new Set<number>());
  const loaded = ref(false);
  const error = ref<string | null>(null);
  /** When the tab lost the server (null while it has it): every status shown is as of then. */
  const unreachableSince = ref<number | null>(null);
  let arrivedDuringFetch: Client[] | null = null;
  const changeListeners = new Set<(client: Client) => void>();

  /** Every client by `user_host`: a new one is inserted in its place, never the 10 000 sorted again per event. */
  const sorted = shallowRef<Client[]>([]);
  const list = computed(() => sorted.value);
  const streaming = computed(() => [...streamingIds].map((id) => byId.get(id)!).sort(byUserHost));

  function count(client: Client, delta: 1 | -1) {
    counts[presenceOf(client)] += delta;
  }

  function upsert(client: Client) {
    let existing = byId.get(client.id);
    if (existing) {
      count(existing, -1);
      Object.assign(existing, client);
      place(existing);
      changeListeners.forEach((listener) => listener(existing!));
      return;
    }
    existing = reactiveClient(client);
    byId.set(client.id, existing);
    insertSorted(existing);
    place(existing);
  }

  /**
   * Called after a known client changed (not for new ones, which change `list`): a filtered view updates
   * that one client's place instead of filtering all of them again at every event.
   */
  function onChange(listener: (client: Client) => void) {
    changeListeners.add(listener);
    return () => changeListeners.delete(listener);
  }

  /** Counts a client under its presence, and in or out of the streaming set. */
  function place(client: Client) {
    count(client, 1);
    if (isLive(client)) streamingIds.add(client.id);
    else streamingIds.delete(client.id);
  }

  function insertSorted(client: Client) {
    const all = sorted.value;
    const at = placeOf(all, client);
    sorted.value = [...all.slice(0, at), client, ...all.slice(at)];
  }

  function apply(client: Client) {
    if (arrivedDuringFetch) arrivedDuringFetch.push(client);
    else upsert(client);
  }

  function forgetAll() {
    byId.clear();
    sorted.value = [];
    streamingIds.clear();
    Object.assign(counts, { connected: 0, reconnecting: 0, disconnected: 0 });
  }

  async function refresh() {
    arrivedDuringFetch = [];
    try {
      const fresh = await clientsApi.all();
      forgetAll();
      // Sorted once, not inserted one by one.
      const all = fresh.sort(byUserHost).map(reactiveClient);
      for (const client of all) byId.set(client.id, client);
      sorted.value = all;
      for (const client of all) place(client);
      loaded.value = true;
      error.value = null;
      unreachableSince.value = null;
    } catch (err) {
      error.value = `Clients could not be loaded: ${errorText(err)}`;
    } finally {
      const queued = arrivedDuringFetch ?? [];
      arrivedDuringFetch = null;
      queued.forEach(upsert);
    }
  }

  /** The tab lost the server at `at`: statuses stay as they were then until a refresh brings fresh ones. */
  function markUnreachable(at: number) {
    unreachableSince.value ??= at;
  }

  /** The server is back, for a tab that shows no clients (an auditor's): nothing to fetch, nothing stale. */
  function markReachable() {
    unreachableSince.value = null;
  }

  /** The time statuses are shown at: the clock, or the moment the server was lost (countdowns stop there). */
  const statusTime = (now: number) => unreachableSince.value ?? now;

  /** A client this tab no longer shows (moved out of a viewer's groups). */
  function forget(id: number) {
    const client = byId.get(id);
    if (!client) return;
    count(client, -1);
    byId.delete(id);
    streamingIds.delete(id);
    sorted.value = sorted.value.filter((c) => c.id !== id);
  }

  /** One handler per realtime event type; `sees` says whether a client (of its group) is this user's to show. */
  function bind(socket: DashboardSocket, sees: (client: Client) => boolean = () => true) {
    for (const event of PRESENCE_EVENTS) socket.on(event, apply);
    socket.on('start-streaming', (payload) => apply(withoutSegment(payload)));
    socket.on('stop-streaming', (payload) => apply(withoutSegment(payload)));
    // A client moved to a group this user does not see (a viewer's): it leaves the list.
    socket.on('client-updated', (client) => (sees(client) ? apply(client) : forget(client.id)));
    // Rare (an admin deleted one): the list is fetched afresh.
    socket.on('client-deleted', () => void refresh());
  }

  function clear() {
    forgetAll();
    loaded.value = false;
    unreachableSince.value = null;
  }

  return {
    byId,
    list,
    counts,
    streaming,
    loaded,
    error,
    unreachableSince,
    refresh,
    apply,
    forget,
    bind,
    clear,
    markUnreachable,
    markReachable,
    statusTime,
    onChange,
    get: (id: number) => byId.get(id),
  };
});
