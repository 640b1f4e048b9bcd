import type { Settings } from '@vaahshare/protocol';
import { useToast } from 'primevue/usetoast';
import { ref, watch } from 'vue';
import { companiesApi } from '../api';
import { errorText } from '../api/http';

/** A settings card of one company: loads its settings (again when the company changes) and saves a part of them. */
export function useCompanySettings(companyId: () => number, loaded: (settings: Settings) => void) {
  const toast = useToast();
  const error = ref<string | null>(null);
  const busy = ref(false);

  async function load() {
    try {
      loaded((await companiesApi.settings(companyId())).data);
      error.value = null;
    } catch (err) {
      error.value = `Settings could not be loaded: ${errorText(err)}`;
    }
  }

  async function save(body: Partial<Settings>, summary: string) {
    busy.value = true;
    try {
      await companiesApi.updateSettings(companyId(), body);
      error.value = null;
      toast.add({ severity: 'success', summary, detail: 'Connected agents use them at once.', life: 3000 });
    } catch (err) {
      error.value = `Settings could not be saved: ${errorText(err)}`;
    } finally {
      busy.value = false;
    }
  }

  watch(companyId, load, { immediate: true });
  return { error, busy, save };
}
