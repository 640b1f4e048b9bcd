import { can as roleCan, loginBodySchema, secondFactorCodeSchema, type Company, type Permission, type SessionUser } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { authApi, companiesApi } from '../api';
import { ApiError } from '../api/http';
import { setCompanyScope } from '../api/scope';

/** The company a superadmin last followed in this browser. */
const FOLLOWED_COMPANY = 'vaahshare.company';

/** Who is logged in; the session itself is the server's httpOnly cookie. */
export const useSessionStore = defineStore('session', () => {
  const user = ref<SessionUser | null>(null);
  /** A right password waiting for its second factor's code (the login page's second step). */
  const challenge = ref<string | null>(null);
  /** Logged in, but a required second factor is not set up yet: the set-up page is all there is until it is. */
  const setupPending = computed(() => Boolean(user.value?.second_factor?.required && !user.value.second_factor.enabled));
  /** Logged in and allowed everything its role allows. */
  const ready = computed(() => user.value !== null && !setupPending.value);
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
    () => (ready.value ? user.value : null),
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

  /**
   * Resolves with an error sentence for the form, or null when logged in — or when the password was right and the
   * login waits for a code (`challenge` is set then).
   */
  async function login(email: string, password: string): Promise<string | null> {
    const parsed = loginBodySchema.safeParse({ email, password });
    if (!parsed.success) return parsed.error.issues[0]?.path[0] === 'email' ? 'Enter a valid e-mail address' : 'Enter your password';
    try {
      const answer = await authApi.login(parsed.data.email, parsed.data.password);
      if ('challenge' in answer) challenge.value = answer.challenge;
      // The session is set: who it is with what it may reach (a viewer's groups, its download right).
      else await restore();
      return null;
    } catch (err) {
      return err instanceof ApiError && err.status === 401 ? 'Wrong e-mail or password' : (err as Error).message;
    }
  }

  /** The login's second step: an authenticator code or a recovery code. An expired login starts over. */
  async function submitCode(code: string): Promise<string | null> {
    const parsed = secondFactorCodeSchema.safeParse(code);
    if (!parsed.success) return parsed.error.issues[0]?.message ?? 'Enter the code';
    try {
      await authApi.loginCode(challenge.value ?? '', parsed.data);
      challenge.value = null;
      await restore();
      return null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'login_expired') challenge.value = null;
      return (err as Error).message;
    }
  }

  /** Back to e-mail and password (a login waiting for its code is dropped). */
  const cancelCode = () => void (challenge.value = null);

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

  return { user, checked, challenge, setupPending, ready, companies, companyId, isSuperadmin, can, follow, restore, login, submitCode, cancelCode, logout, logoutEverywhere, expire };
});
