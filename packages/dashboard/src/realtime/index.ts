import { useAlertsStore } from '../stores/alerts';
import { useClientsStore } from '../stores/clients';
import { useMediaStore } from '../stores/media';
import { useSessionStore } from '../stores/session';
import { closeSocket, openSocket } from './socket';

/** Opens the tab's socket after login, wires every store's handlers, and re-fetches after each (re)connection. */
export function startRealtime() {
  const clients = useClientsStore();
  const alerts = useAlertsStore();
  const media = useMediaStore();
  const session = useSessionStore();
  const socket = openSocket({
    onConnect: () => {
      void clients.refresh();
      void alerts.refresh();
      media.changed();
    },
    onLost: () => clients.markUnreachable(Date.now()),
    onRefused: () => session.expire(),
    // Logged out elsewhere: the session check sends this tab to the login page; otherwise it reconnects.
    onClosedByServer: (closed) => {
      void session.restore().then(() => {
        if (session.user) closed.connect();
      });
    },
  });
  clients.bind(socket);
  alerts.bind(socket);
  media.bind(socket);
}

export function stopRealtime() {
  closeSocket();
  useClientsStore().clear();
}
