import type { ListBody } from '@vaahshare/protocol';
import { computed, ref, watch, type Ref, type WatchSource } from 'vue';
import { errorText } from '../api/http';

export interface PagedListOptions<T> {
  /** One page of the list (numbered from 1), as the server's list routes answer. */
  fetchPage: (page: number, perPage: number) => Promise<ListBody<T>>;
  /** Rows per page. */
  rows: () => number;
  /** What selects the list (filters, props): when it changes, the first page is loaded again. */
  query: WatchSource;
  /** What the list holds, to say what could not be loaded ("Recordings", "Alerts"). */
  what: string;
}

/**
 * A list the server pages, for a lazy PrimeVue DataTable: the page asked for is loaded, a new query starts again
 * at the first page, and a failure is said in words. Only the answer to the newest request is shown: one that
 * comes back after a newer request was sent (filters changed quickly, a reload while paging) is dropped, or the
 * table would end on an older list than its filters say.
 */
export function usePagedList<T>({ fetchPage, rows, query, what }: PagedListOptions<T>) {
  const items = ref([]) as Ref<T[]>;
  const total = ref(0);
  const page = ref(1);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let newest = 0;

  async function load() {
    const request = ++newest;
    loading.value = true;
    try {
      const body = await fetchPage(page.value, rows());
      if (request !== newest) return;
      items.value = body.data;
      total.value = body.meta.total;
      error.value = null;
    } catch (err) {
      if (request === newest) error.value = `${what} could not be loaded: ${errorText(err)}`;
    } finally {
      if (request === newest) loading.value = false;
    }
  }

  /** The DataTable's `page` event (its pages count from 0). */
  function onPage(event: { page: number }) {
    page.value = event.page + 1;
    void load();
  }

  watch(
    query,
    () => {
      page.value = 1;
      void load();
    },
    { immediate: true },
  );

  /** The index of the first row shown, for the DataTable's `first`. */
  const first = computed(() => (page.value - 1) * rows());
  return { items, total, page, loading, error, first, load, onPage };
}
