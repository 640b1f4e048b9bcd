import { useAlertsStore } from '../stores/alerts';
import { useClientsStore } from '../stores/clients';
import { useGroupsStore } from '../stores/groups';
import { useMediaStore } from '../stores/media';
import { useMonitoringHoursStore } from '../stores/monitoring-hours';
import { useSessionStore } from '../stores/session';
import { useStorageStore } from '../stores/storage';
import { closeSocket, openSocket } from './socket';

/** Opens the tab's socket after login, wires every store's handlers, and re-fetches after each (re)connection. */
export function startRealtime() {
  const clients = useClientsStore();
  const alerts = useAlertsStore();
  const media = useMediaStore();
  const session = useSessionStore();
  const storage = useStorageStore();
  const groups = useGroupsStore();
  const hours = useMonitoringHoursStore();
  const socket = openSocket({
    // Only what the user's role shows (an auditor's pages read the audit trail over REST, nothing else).
    onConnect: () => {
      if (session.can('clients:read')) void Promise.all([clients.refresh(), groups.refresh().catch(() => {}), hours.refresh().catch(() => {})]);
      else clients.markReachable();
      if (session.can('alerts:read')) void alerts.refresh();
      media.changed();
      if (session.can('company:manage')) void storage.refresh();
    },
    onLost: () => clients.markUnreachable(Date.now()),
    // Refused at the handshake: the session ended, or it must set up a second factor first (the session check
    // tells which and the app shows the login or the set-up); refused for another reason, the tab logs out.
    onRefused: () => {
      void session.restore().then(
        () => session.ready && session.expire(),
        () => session.expire(),
      );
    },
    // Logged out elsewhere: the session check sends this tab to the login page; otherwise it reconnects.
    onClosedByServer: (closed) => {
      void session.restore().then(() => {
        if (session.ready) closed.connect();
      });
    },
  });
  // A viewer shows its groups' clients only (an admin every one).
  clients.bind(socket, (client) => session.user?.role !== 'viewer' || session.user.group_ids.includes(client.group_id));
  alerts.bind(socket);
  media.bind(socket);
  storage.bind(socket);
  hours.bind(socket);
}

export function stopRealtime() {
  closeSocket();
  useClientsStore().clear();
}
