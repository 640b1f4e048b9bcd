import net from 'node:net';

/**
 * A TCP proxy that the test can cut and restore, as a pulled cable with a NAT reset does: a cut
 * resets every connection through it and refuses new ones until it is restored.
 */
export async function startCutProxy(targetPort: number) {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((downstream) => {
    if (cut) return downstream.resetAndDestroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [from, to] of [[downstream, upstream], [upstream, downstream]] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut: () => {
      cut = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    restore: () => {
      cut = false;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
