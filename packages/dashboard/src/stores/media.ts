import type { Media } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DashboardSocket } from '../realtime/socket';

/** Media status changes as they happen, so lists showing a recording update without a reload. */
export const useMediaStore = defineStore('media', () => {
  /** Bumped by every `media-updated`; pages showing media watch it. */
  const lastUpdate = ref<Media | null>(null);
  const updates = ref(0);

  function bind(socket: DashboardSocket) {
    socket.on('media-updated', ({ media }) => {
      lastUpdate.value = media;
      updates.value++;
    });
  }

  return { lastUpdate, updates, bind };
});
