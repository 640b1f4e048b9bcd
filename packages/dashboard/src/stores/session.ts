import { can as roleCan, loginBodySchema, type Company, type Me, type Permission } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { authApi, companiesApi } from '../api';
import { ApiError } from '../api/http';
import { setCompanyScope } from '../api/scope';

/** The company a superadmin last followed in this browser. */
const FOLLOWED_COMPANY = 'vaahshare.company';

/** Who is logged in; the session itself is the server's httpOnly cookie. */
export const useSessionStore = defineStore('session', () => {
  const user = ref<Me | null>(null);
  /** Whether the server was asked yet who this tab is (once per page load). */
  const checked = ref(false);
  /** Every company, for a superadmin's company switch; empty for anyone else. */
  const companies = ref<Company[]>([]);
  const followed = ref<number | null>(null);
  const isSuperadmin = computed(() => user.value?.role === 'superadmin');
  /** Whether the logged-in user's role allows this: pages, links and buttons follow it (the server checks it too). */
  const can = (permission: Permission) => user.value !== null && roleCan(user.value, permission);
  /** The company every page shows: the user's own, or the one a superadmin chose to follow. */
  const companyId = computed(() => followed.value ?? user.value?.company_id ?? null);

  function scopeTo(id: number | null) {
    followed.value = id !== null && id !== user.value?.company_id ? id : null;
    setCompanyScope(followed.value ?? undefined);
  }

  /** A superadmin's choice, remembered in this browser. */
  function follow(id: number) {
    scopeTo(id);
    if (followed.value === null) localStorage.removeItem(FOLLOWED_COMPANY);
    else localStorage.setItem(FOLLOWED_COMPANY, String(followed.value));
  }

  // Reset before the pages and the socket ask for anything (they read the scope when they do); a superadmin
  // then goes back to the company it followed last, once the list shows that it still exists (a handshake
  // naming an unknown company would be refused).
  watch(
    user,
    async (now, before) => {
      if (now?.id === before?.id) return;
      companies.value = [];
      scopeTo(null);
      if (now?.role !== 'superadmin') return;
      const { data } = await companiesApi.list().catch(() => ({ data: [] }));
      if (user.value?.id !== now.id) return; // logged out (or in as someone else) meanwhile
      companies.value = data;
      const last = Number(localStorage.getItem(FOLLOWED_COMPANY));
      if (companies.value.some((c) => c.id === last)) scopeTo(last);
    },
    { flush: 'sync' },
  );

  async function restore() {
    try {
      user.value = (await authApi.me()).data;
    } catch (err) {
      // Only "not logged in" means no session; a network failure is shown by the login page instead.
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      user.value = null;
    } finally {
      checked.value = true;
    }
  }

  /** Resolves with an error sentence for the form, or null when logged in. */
  async function login(email: string, password: string): Promise<string | null> {
    const parsed = loginBodySchema.safeParse({ email, password });
    if (!parsed.success) return parsed.error.issues[0]?.path[0] === 'email' ? 'Enter a valid e-mail address' : 'Enter your password';
    try {
      await authApi.login(parsed.data.email, parsed.data.password);
      // The session is set: who it is with what it may reach (a viewer's groups, its download right).
      user.value = (await authApi.me()).data;
      return null;
    } catch (err) {
      return err instanceof ApiError && err.status === 401 ? 'Wrong e-mail or password' : (err as Error).message;
    }
  }

  async function logout() {
    // Leaving the dashboard must work even when the server is unreachable.
    await authApi.logout().catch(() => {});
    user.value = null;
  }

  /** Ends every session of this user, this one included (a lost laptop, a shared computer). */
  async function logoutEverywhere() {
    await authApi.logoutEverywhere();
    user.value = null;
  }

  /** The session ended elsewhere (expired, revoked). */
  function expire() {
    user.value = null;
  }

  return { user, checked, companies, companyId, isSuperadmin, can, follow, restore, login, logout, logoutEverywhere, expire };
});
