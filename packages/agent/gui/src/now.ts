import { onMounted, onUnmounted, ref } from 'vue';

/** The current time, ticking every second while the component is shown (a recording's length moves on its own). */
export function useNow() {
  const now = ref(Date.now());
  let timer: number | undefined;
  onMounted(() => (timer = window.setInterval(() => (now.value = Date.now()), 1000)));
  onUnmounted(() => window.clearInterval(timer));
  return now;
}
