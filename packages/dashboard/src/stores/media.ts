import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DashboardSocket } from '../realtime/socket';

/** Media status changes as they happen, so lists showing a recording update without a reload. */
export const useMediaStore = defineStore('media', () => {
  /** Bumped by every `media-updated` and `media-deleted`; pages showing media watch it and reload. */
  const updates = ref(0);

  /** Recordings may have changed unseen (the socket was away): every list showing them reloads. */
  function changed() {
    updates.value++;
  }

  function bind(socket: DashboardSocket) {
    socket.on('media-updated', changed);
    socket.on('media-deleted', changed);
  }

  return { updates, changed, bind };
});
