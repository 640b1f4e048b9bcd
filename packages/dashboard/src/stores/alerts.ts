import type { Alert } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { alertsApi } from '../api';
import { errorText } from '../api/http';
import type { DashboardSocket } from '../realtime/socket';

/** How many of the newest alerts the dashboard keeps at hand (the Alerts page pages through the rest). */
const RECENT = 200;

/** The newest idle alerts; new ones arrive over the socket and are announced with a toast. */
export const useAlertsStore = defineStore('alerts', () => {
  const recent = ref<Alert[]>([]);
  const error = ref<string | null>(null);
  const listeners = new Set<(alert: Alert) => void>();

  const unacknowledged = computed(() => recent.value.filter((a) => !a.acknowledged_at).length);

  async function refresh() {
    try {
      recent.value = (await alertsApi.list({ per_page: RECENT })).data;
      error.value = null;
    } catch (err) {
      error.value = `Alerts could not be loaded: ${errorText(err)}`;
    }
  }

  function add(alert: Alert) {
    if (recent.value.some((a) => a.id === alert.id)) return;
    recent.value = [alert, ...recent.value].slice(0, RECENT);
    listeners.forEach((listener) => listener(alert));
  }

  async function acknowledge(id: number) {
    const { data } = await alertsApi.acknowledge(id);
    recent.value = recent.value.map((a) => (a.id === id ? data : a));
    return data;
  }

  function bind(socket: DashboardSocket) {
    socket.on('alert-created', ({ alert }) => add(alert));
  }

  /** Called for every alert that arrives live (the app shell shows a toast). */
  function onNew(listener: (alert: Alert) => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return { recent, error, unacknowledged, refresh, add, acknowledge, bind, onNew };
});
