import client from 'prom-client';

/** One registry per app, so tests can run several apps in one process. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const events = new client.Counter({
    name: 'vaahshare_socket_events_total',
    help: 'Socket events received, by event name',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const errors = new client.Counter({
    name: 'vaahshare_errors_total',
    help: 'Errors answered to callers or logged, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const transitions = new client.Counter({
    name: 'vaahshare_presence_transitions_total',
    help: 'Presence transitions performed by this node, by new state',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const sockets = new client.Gauge({
    name: 'vaahshare_sockets',
    help: 'Open Socket.IO connections on this node',
    registers: [registry],
  });
  const viewersPaused = new client.Counter({
    name: 'vaahshare_viewers_paused_total',
    help: 'Live viewers paused because they could not take the stream as fast as it came (frames skipped them until they caught up)',
    registers: [registry],
  });
  return { registry, events, errors, transitions, sockets, viewersPaused };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A gauge whose value is read from elsewhere (the database) at scrape time. */
export function addClientsByStateGauge(metrics: Metrics, countByState: () => Promise<Record<string, number>>) {
  new client.Gauge({
    name: 'vaahshare_clients',
    help: 'Clients by presence state (all companies, all nodes)',
    labelNames: ['state'] as const,
    registers: [metrics.registry],
    async collect() {
      const counts = await countByState();
      for (const state of ['connected', 'reconnecting', 'disconnected']) this.set({ state }, counts[state] ?? 0);
    },
  });
}

/** The free space of DATA_DIR and whether new video is refused for want of it (read at scrape time). */
export function addDiskGauges(metrics: Metrics, status: () => { free_bytes: number; low: boolean }) {
  new client.Gauge({
    name: 'vaahshare_disk_free_bytes',
    help: 'Free space on DATA_DIR as last checked (every second)',
    registers: [metrics.registry],
    collect() {
      this.set(status().free_bytes);
    },
  });
  new client.Gauge({
    name: 'vaahshare_disk_low',
    help: '1 while DATA_DIR has less than MIN_FREE_DISK_MB free: new video is refused (agents keep it) until there is room',
    registers: [metrics.registry],
    collect() {
      this.set(status().low ? 1 : 0);
    },
  });
}
