/**
 * A TCP proxy that can go silent: `freeze()` stops forwarding in both directions without closing either
 * side (bytes are read and thrown away, so no back-pressure tells anyone), as a dead NAT entry or a
 * pulled cable would. `release()` then closes the frozen connections so the agent can reconnect.
 */
import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  frozen: boolean;
}

export interface SilentProxy {
  port: number;
  /** Connections currently forwarding. */
  live: () => number;
  freeze: () => number;
  release: () => void;
  close: () => Promise<void>;
}

export async function startProxy(targetPort: number, host = '127.0.0.1'): Promise<SilentProxy> {
  const pairs = new Set<Pair>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, host);
    const pair: Pair = { client, upstream, frozen: false };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (data) => {
      if (!pair.frozen) upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (!pair.frozen) client.write(data);
    });
    const end = () => {
      // A frozen connection stays open on the side that is still open: that is the point.
      if (pair.frozen) return;
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    live: () => [...pairs].filter((p) => !p.frozen && !p.client.destroyed && !p.upstream.destroyed).length,
    freeze: () => {
      let n = 0;
      for (const pair of pairs) {
        if (!pair.frozen) n++;
        pair.frozen = true;
      }
      return n;
    },
    release: () => {
      for (const pair of [...pairs]) {
        if (!pair.frozen) continue;
        pairs.delete(pair);
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        pairs.clear();
        server.close(() => resolve());
      }),
  };
}
