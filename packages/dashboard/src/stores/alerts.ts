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
  /** The alert updated last (lists showing it patch it in place). */
  const lastUpdated = ref<Alert | null>(null);
  const listeners = new Set<(alert: Alert) => void>();
  /** One list per refresh under way: the alerts that arrived live meanwhile, which its answer may predate. */
  const arrivingDuringRefresh = new Set<Alert[]>();

  const unacknowledged = computed(() => recent.value.filter((a) => !a.acknowledged_at).length);

  async function refresh() {
    const arrived: Alert[] = [];
    arrivingDuringRefresh.add(arrived);
    try {
      const listed = (await alertsApi.list({ per_page: RECENT })).data;
      const ids = new Set(listed.map((a) => a.id));
      recent.value = [...arrived.filter((a) => !ids.has(a.id)), ...listed].slice(0, RECENT);
      error.value = null;
    } catch (err) {
      error.value = `Alerts could not be loaded: ${errorText(err)}`;
    } finally {
      arrivingDuringRefresh.delete(arrived);
    }
  }

  function add(alert: Alert) {
    if (recent.value.some((a) => a.id === alert.id)) return;
    arrivingDuringRefresh.forEach((arrived) => arrived.unshift(alert));
    recent.value = [alert, ...recent.value].slice(0, RECENT);
    listeners.forEach((listener) => listener(alert));
  }

  /** The person of an alert came back: the alert now holds how long they were away. */
  function update(alert: Alert) {
    recent.value = recent.value.map((a) => (a.id === alert.id ? alert : a));
    lastUpdated.value = alert;
  }

  async function acknowledge(id: number) {
    const { data } = await alertsApi.acknowledge(id);
    recent.value = recent.value.map((a) => (a.id === id ? data : a));
    return data;
  }

  function bind(socket: DashboardSocket) {
    socket.on('alert-created', ({ alert }) => add(alert));
    socket.on('alert-updated', ({ alert }) => update(alert));
  }

  /** Called for every alert that arrives live (the app shell shows a toast). */
  function onNew(listener: (alert: Alert) => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return { recent, error, lastUpdated, unacknowledged, refresh, add, update, acknowledge, bind, onNew };
});
