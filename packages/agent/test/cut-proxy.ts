import net from 'node:net';

/**
 * A TCP proxy that the test can cut and restore, as a pulled cable with a NAT reset does: a cut
 * resets every connection through it and refuses new ones until it is restored. A restore may limit
 * the upload (agent → server) to a rate, as a slow uplink does, so a catch-up takes a while.
 */
export async function startCutProxy(targetPort: number) {
  let cut = false;
  let uploadBytesPerSecond = 0;
  const sockets = new Set<net.Socket>();
  const forward = (from: net.Socket, to: net.Socket, limited: boolean) => {
    from.on('data', (chunk: Buffer) => {
      const drained = to.write(chunk);
      const waitMs = limited && uploadBytesPerSecond ? (chunk.length / uploadBytesPerSecond) * 1000 : 0;
      if (drained && !waitMs) return;
      from.pause();
      let pending = (drained ? 0 : 1) + (waitMs ? 1 : 0);
      const resume = () => --pending === 0 && from.resume();
      if (!drained) to.once('drain', resume);
      if (waitMs) setTimeout(resume, waitMs);
    });
  };
  const server = net.createServer((downstream) => {
    if (cut) return downstream.resetAndDestroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    forward(downstream, upstream, true);
    forward(upstream, downstream, false);
    for (const [from, to] of [[downstream, upstream], [upstream, downstream]] as const) {
      sockets.add(from);
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
    restore: (options: { uploadBytesPerSecond?: number } = {}) => {
      cut = false;
      uploadBytesPerSecond = options.uploadBytesPerSecond ?? 0;
    },
    /** Lifts the upload limit. */
    unthrottle: () => {
      uploadBytesPerSecond = 0;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
