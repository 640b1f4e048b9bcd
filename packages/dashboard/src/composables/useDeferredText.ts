import { ref, watch, type Ref } from 'vue';

/**
 * `source`, normalized, but only after the browser has painted the change: a keystroke shows in the field at
 * once, and the heavy work that follows the deferred value (filtering 10 000 clients, rendering their rows) runs
 * in the next task rather than delaying that paint. Keys typed within one frame make one update.
 */
export function useDeferredText(source: Ref<string>, normalize: (text: string) => string): Ref<string> {
  const deferred = ref(normalize(source.value));
  watch(source, () => requestAnimationFrame(() => setTimeout(() => (deferred.value = normalize(source.value)))));
  return deferred;
}
