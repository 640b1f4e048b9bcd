// Child process of the dashboard benchmark: keeps N agents connected, so their sockets' work does not run in
// the server's event loop (as real agents on other machines would not). Sends "ready" once all are connected.
// Then, on request, makes some of them stream and churns presence: every change drops a connected agent
// (the server shows it reconnecting) or brings a dropped one back (connected), as a fleet coming and going.
import { connectAgent, hello, rememberDeviceSecret } from '@vaahshare/testkit';

const [url, from, to] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const userHostOf = (i: number) => `bench-${String(i).padStart(5, '0')}@host`;
/** On a loaded machine a handshake may time out (Socket.IO's 20 s): that agent tries again, as a real one would. */
async function connectPatiently(userHost: string, tries = 5): Promise<Awaited<ReturnType<typeof connectAgent>>> {
  try {
    return await connectAgent(url, userHost);
  } catch (err) {
    if (tries <= 1) throw err;
    return connectPatiently(userHost, tries - 1);
  }
}

const agents: Array<Awaited<ReturnType<typeof connectAgent>>> = [];
for (let i = from; i < to; i += 50) {
  const batch = [];
  for (let j = i; j < Math.min(i + 50, to); j++) batch.push(connectPatiently(userHostOf(j)));
  agents.push(...(await Promise.all(batch)));
}

/** One presence change: a random agent drops, or comes back and announces itself again. */
function toggle(index: number) {
  const { socket } = agents[index];
  if (socket.connected) return socket.disconnect();
  if (socket.active) return; // still coming back
  const userHost = userHostOf(from + index);
  socket.once('connect', () => socket.emit('client-connected', hello(userHost), (reply) => rememberDeviceSecret(userHost, reply)));
  socket.connect();
}

let churn: NodeJS.Timeout | undefined;
process.on('message', (msg: { stream?: number; churnPerSecond?: number; stop?: true }) => {
  if (msg.stream) {
    // The first agents start streaming (no frames needed: the Live page lists them).
    void Promise.all(agents.slice(0, msg.stream).map((a) => a.socket.emitWithAck('start-streaming', {}))).then(() => process.send!('streaming'));
  }
  if (msg.churnPerSecond) {
    // The streaming ones (the first) are left alone, so the Live page's set stays what it was asked to be.
    const skip = 100;
    churn = setInterval(() => toggle(skip + Math.floor(Math.random() * (agents.length - skip))), 1000 / msg.churnPerSecond);
  }
  if (msg.stop) clearInterval(churn);
});
process.send!('ready');
process.on('disconnect', () => {
  clearInterval(churn);
  agents.forEach((a) => a.socket.disconnect());
  process.exit(0);
});
