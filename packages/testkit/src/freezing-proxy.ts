import net from 'node:net';

/**
 * A TCP proxy that can stop forwarding in both directions without closing either side, as a load
 * balancer or a pulled cable between two routers does: neither end sees a FIN or a RST.
 */
export async function startFreezingProxy(targetPort: number) {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((downstream) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [from, to] of [[downstream, upstream], [upstream, downstream]] as const) {
      sockets.add(from);
      from.on('data', (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on('error', () => undefined);
      from.on('close', () => {
        if (!frozen) to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
