import { onScopeDispose, ref } from 'vue';

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** The current time, ticking every second while any component uses it (countdowns, "last seen"). */
export function useNow() {
  if (users++ === 0) timer = setInterval(() => (now.value = Date.now()), 1000);
  now.value = Date.now();
  onScopeDispose(() => {
    if (--users === 0) clearInterval(timer);
  });
  return now;
}
