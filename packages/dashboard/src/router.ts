import type { Permission } from '@vaahshare/protocol';
import { createRouter, createWebHistory } from 'vue-router';
import { useSessionStore } from './stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without logging in. */
    public?: boolean;
    title?: string;
    /** What the user's role must allow (PROTOCOL.md §8.19); without it the page sends the user to its home. */
    permission?: Permission;
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, title: 'Log in' } },
    { path: '/second-factor', name: 'second-factor', component: () => import('./views/SecondFactorView.vue'), meta: { title: 'Set up a second factor' } },
    { path: '/', redirect: '/clients' },
    { path: '/clients', name: 'clients', component: () => import('./views/ClientsView.vue'), meta: { title: 'Clients', permission: 'clients:read' } },
    { path: '/clients/:id(\\d+)', name: 'client', component: () => import('./views/ClientDetailView.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'Client', permission: 'clients:read' } },
    { path: '/live', name: 'live', component: () => import('./views/LiveView.vue'), meta: { title: 'Live', permission: 'live:watch' } },
    { path: '/live/:id(\\d+)', name: 'live-player', component: () => import('./views/LivePlayerView.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'Live', permission: 'live:watch' } },
    { path: '/history', name: 'history', component: () => import('./views/HistoryView.vue'), meta: { title: 'History', permission: 'media:read' } },
    { path: '/alerts', name: 'alerts', component: () => import('./views/AlertsView.vue'), meta: { title: 'Alerts', permission: 'alerts:read' } },
    { path: '/audit', name: 'audit', component: () => import('./views/AuditView.vue'), meta: { title: 'Audit', permission: 'audit:read' } },
    { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue'), meta: { title: 'Settings' } },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { title: 'Not found' } },
  ],
});

/** Only a path of this dashboard may follow the login (never another site's address). */
export const safeNext = (next: unknown) => (typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/clients');

/** Where a user lands whose role does not show a page: the clients (an auditor: the audit trail; else its account). */
function homeOf(can: (permission: Permission) => boolean) {
  if (can('clients:read')) return '/clients';
  return can('audit:read') ? '/audit' : '/settings';
}

// Every page is behind the login; the login page sends a logged-in admin on to where they were going.
router.beforeEach(async (to) => {
  const session = useSessionStore();
  if (!session.checked) await session.restore().catch(() => {});
  if (to.meta.public) return session.user && to.name === 'login' ? safeNext(to.query.next) : true;
  if (!session.user) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
  // A required second factor comes before anything else; once set up, its page has nothing more to do.
  if (session.setupPending && to.name !== 'second-factor') return { name: 'second-factor', query: { next: to.fullPath } };
  if (!session.setupPending && to.name === 'second-factor') return safeNext(to.query.next);
  if (to.meta.permission && !session.can(to.meta.permission)) {
    const home = homeOf(session.can);
    return home === to.path ? true : home;
  }
  return true;
});

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · VaahShare` : 'VaahShare';
});
