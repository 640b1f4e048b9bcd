import type { Group } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { groupsApi } from '../api';

/** The company's groups of clients (a viewer's own only), for filters, moves and the Settings card. */
export const useGroupsStore = defineStore('groups', () => {
  const list = ref<Group[]>([]);
  const options = computed(() => list.value.map((g) => ({ label: g.name, value: g.id })));
  const nameOf = (id: number) => list.value.find((g) => g.id === id)?.name ?? `Group ${id}`;

  async function refresh() {
    list.value = (await groupsApi.list()).data;
  }

  return { list, options, nameOf, refresh };
});
