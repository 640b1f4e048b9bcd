import { refThrottled } from '@vueuse/core';
import { computed } from 'vue';
import { useClientsStore } from '../stores/clients';

/** How often the counts on screen follow the store at most (ms). */
export const COUNTS_REFRESH_MS = 250;

/**
 * The clients' counts as the header and the Clients page show them: at most four times a second. At 10 000
 * clients a hundred presence changes a second would otherwise make the browser render, raster and composite
 * a frame for every change of a number nobody can read that fast, and a keystroke waits behind those frames.
 * The first change after a quiet moment shows at once.
 */
export function useShownCounts() {
  const clients = useClientsStore();
  return refThrottled(
    computed(() => ({ ...clients.counts })),
    COUNTS_REFRESH_MS,
  );
}
