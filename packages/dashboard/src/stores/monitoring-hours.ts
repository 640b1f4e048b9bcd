import { effectiveHours, formatHoursInstant, hoursStateAt, type MonitoringHours, type MonitoringHoursOverview } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { monitoringHoursApi } from '../api';
import type { DashboardSocket } from '../realtime/socket';

/** The state is worked out again at least this often (a tab asleep past a boundary catches up within it). */
const MAX_WAIT_MS = 60_000;

/**
 * The company's monitoring hours (PROTOCOL.md §8.24) and which groups are outside them now: worked out per group
 * (a handful) at each boundary, so the clients list asks a set per row instead of a time zone per client.
 */
export const useMonitoringHoursStore = defineStore('monitoringHours', () => {
  const overview = ref<MonitoringHoursOverview | null>(null);
  /** Groups outside their hours now, and when recording starts again (`Mon 09:00`, or null: never under this schedule). */
  const outside = shallowRef(new Map<number, string | null>());
  let timer: ReturnType<typeof setTimeout> | undefined;

  const hoursOf = (groupId: number): MonitoringHours | null =>
    effectiveHours(overview.value?.groups.find((g) => g.group_id === groupId)?.hours, overview.value?.default);

  function recompute(now = Date.now()) {
    const next = new Map<number, string | null>();
    let earliest = Infinity;
    for (const group of overview.value?.groups ?? []) {
      const hours = hoursOf(group.group_id);
      const state = hoursStateAt(hours, now);
      if (!state.inside) next.set(group.group_id, hours && state.next_change_at !== null ? formatHoursInstant(state.next_change_at, hours.time_zone) : null);
      if (state.next_change_at !== null) earliest = Math.min(earliest, state.next_change_at);
    }
    outside.value = next;
    clearTimeout(timer);
    if (earliest !== Infinity) timer = setTimeout(() => recompute(), Math.min(MAX_WAIT_MS, Math.max(0, earliest - now)));
  }

  async function refresh() {
    overview.value = (await monitoringHoursApi.get()).data;
    recompute();
  }

  async function save(groupId: number | null, hours: MonitoringHours | null) {
    await monitoringHoursApi.set(groupId, hours);
    await refresh();
  }

  /** "outside hours until Mon 09:00" for a client of `groupId` now, or null while it is recorded. */
  function outsideText(groupId: number): string | null {
    if (!outside.value.has(groupId)) return null;
    const until = outside.value.get(groupId);
    return until ? `outside hours until ${until}` : 'outside hours';
  }

  /** Another admin changed them: read them again (a failed read keeps what was shown). */
  function bind(socket: DashboardSocket) {
    socket.on('monitoring-hours-updated', () => void refresh().catch(() => undefined));
  }

  return { overview, outside, hoursOf, refresh, save, outsideText, recompute, bind };
});
