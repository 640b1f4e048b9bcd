// Child process of the dashboard benchmark: keeps N agents connected, so their sockets' work does not run in
// the server's event loop (as real agents on other machines would not). Sends "ready" once all are connected.
import { connectAgent } from '@vaahshare/testkit';

const [url, from, to] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const agents: Array<Awaited<ReturnType<typeof connectAgent>>> = [];
for (let i = from; i < to; i += 50) {
  const batch = [];
  for (let j = i; j < Math.min(i + 50, to); j++) batch.push(connectAgent(url, `bench-${String(j).padStart(4, '0')}@host`));
  agents.push(...(await Promise.all(batch)));
}
process.send!('ready');
process.on('disconnect', () => {
  agents.forEach((a) => a.socket.disconnect());
  process.exit(0);
});
