import { PRESENCE_EVENTS, type Client, type ClientWithSegment } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowReactive } from 'vue';
import { clientsApi } from '../api';
import { errorText } from '../api/http';
import type { DashboardSocket } from '../realtime/socket';

export type Presence = 'connected' | 'reconnecting' | 'disconnected';

export const presenceOf = (c: Pick<Client, 'is_connected' | 'is_reconnecting'>): Presence =>
  !c.is_connected ? 'disconnected' : c.is_reconnecting ? 'reconnecting' : 'connected';

/** Each client is reactive on its own, so a presence change re-renders its row and the counts, not the table. */
const reactiveClient = (client: Client): Client => reactive({ ...client });

const withoutSegment = ({ segment_id: _segment, ...client }: ClientWithSegment): Client => client;

/**
 * Every client of the company with its live presence, as the seed's backend store keeps it: presence events
 * update the client in place (or add it), and the live count follows. A full re-fetch after each socket
 * (re)connection replaces what may have been missed; events arriving during it are applied after it.
 */
export const useClientsStore = defineStore('clients', () => {
  const byId = shallowReactive(new Map<number, Client>());
  const loaded = ref(false);
  const error = ref<string | null>(null);
  let arrivedDuringFetch: Client[] | null = null;

  const list = computed(() => [...byId.values()].sort((a, b) => a.user_host.localeCompare(b.user_host)));
  const liveCount = computed(() => list.value.filter((c) => presenceOf(c) === 'connected').length);
  /** The live-sessions view: connected clients that stream; a disconnected one leaves it at once. */
  const streaming = computed(() => list.value.filter((c) => c.is_streaming && presenceOf(c) === 'connected'));

  function upsert(client: Client) {
    const existing = byId.get(client.id);
    if (existing) Object.assign(existing, client);
    else byId.set(client.id, reactiveClient(client));
  }

  function apply(client: Client) {
    if (arrivedDuringFetch) arrivedDuringFetch.push(client);
    else upsert(client);
  }

  async function refresh() {
    arrivedDuringFetch = [];
    try {
      const fresh = await clientsApi.all();
      byId.clear();
      fresh.forEach(upsert);
      loaded.value = true;
      error.value = null;
    } catch (err) {
      error.value = `Clients could not be loaded: ${errorText(err)}`;
    } finally {
      const queued = arrivedDuringFetch ?? [];
      arrivedDuringFetch = null;
      queued.forEach(upsert);
    }
  }

  /** One handler per realtime event type. */
  function bind(socket: DashboardSocket) {
    for (const event of PRESENCE_EVENTS) socket.on(event, apply);
    socket.on('start-streaming', (payload) => apply(withoutSegment(payload)));
    socket.on('stop-streaming', (payload) => apply(withoutSegment(payload)));
  }

  function clear() {
    byId.clear();
    loaded.value = false;
  }

  return { byId, list, liveCount, streaming, loaded, error, refresh, apply, bind, clear, get: (id: number) => byId.get(id) };
});
