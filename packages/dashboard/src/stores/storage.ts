import type { DiskStatus } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { storageApi } from '../api';
import type { DashboardSocket } from '../realtime/socket';

/** The server's disk: whether it is short of space (new video refused until there is room). */
export const useStorageStore = defineStore('storage', () => {
  const disk = ref<DiskStatus | null>(null);

  async function refresh() {
    try {
      disk.value = (await storageApi.get()).data.disk;
    } catch {
      // The banner shows what the last answer or event said; a failed read says nothing new.
    }
  }

  function bind(socket: DashboardSocket) {
    socket.on('storage-status', (status) => (disk.value = status));
  }

  return { disk, refresh, bind };
});
