import { computed, onMounted, onUnmounted, ref, type Ref } from 'vue';

/**
 * Renders only the rows of a long list that are in view (plus a few around): with rows of one fixed height,
 * which rows those are follows from the scroll position alone. The spacers above and below keep the
 * scrollbar true to the whole list.
 */
export function useWindowedRows<T>(scroller: Ref<HTMLElement | null>, rows: Ref<readonly T[]>, rowHeight: number, overscan = 6) {
  const scrollTop = ref(0);
  const viewHeight = ref(0);
  const first = computed(() => Math.max(0, Math.floor(scrollTop.value / rowHeight) - overscan));
  const last = computed(() => Math.min(rows.value.length, Math.ceil((scrollTop.value + viewHeight.value) / rowHeight) + overscan));
  const visible = computed(() => rows.value.slice(first.value, last.value));
  const padTop = computed(() => first.value * rowHeight);
  const padBottom = computed(() => Math.max(0, rows.value.length - last.value) * rowHeight);

  const measure = () => {
    scrollTop.value = scroller.value?.scrollTop ?? 0;
    viewHeight.value = scroller.value?.clientHeight ?? 0;
  };
  const resized = new ResizeObserver(measure);
  onMounted(() => {
    if (scroller.value) resized.observe(scroller.value);
    measure();
  });
  onUnmounted(() => resized.disconnect());

  return { visible, padTop, padBottom, onScroll: measure };
}
