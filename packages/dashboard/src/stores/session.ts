import { loginBodySchema, type User } from '@vaahshare/protocol';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { authApi } from '../api';
import { ApiError } from '../api/http';

/** Who is logged in; the session itself is the server's httpOnly cookie. */
export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null);
  /** Whether the server was asked yet who this tab is (once per page load). */
  const checked = ref(false);

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
      user.value = (await authApi.login(parsed.data.email, parsed.data.password)).user;
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

  /** The session ended elsewhere (expired, revoked). */
  function expire() {
    user.value = null;
  }

  return { user, checked, restore, login, logout, expire };
});
