// What-if experiment (not a server change): loaded with `--import` into a server process, it lets at most
// $WHATIF_ADMISSIONS (default 200) agents be admitted at once. An agent's WebSocket upgrade waits (its connection held,
// unanswered) until fewer are between their upgrade and the ack of their first `client-connected`, seen as a written
// Socket.IO ack packet ("43…") on the TCP socket, or their connection closed. Other upgrades (dashboards) pass.
// Question asked: is a storm's server CPU per admission lower when fewer admissions are under way at once (their
// garbage dying young instead of being promoted)?
import http from 'node:http';

const LIMIT = Number(process.env.WHATIF_ADMISSIONS ?? 200);
let inFlight = 0;
const waiting = [];
const admitted = new WeakSet();
const emit = http.Server.prototype.emit;

const isAck = (chunk) =>
  typeof chunk === 'string' ? chunk.startsWith('43') : Buffer.isBuffer(chunk) && chunk[0] === 0x34 && chunk[1] === 0x33;

function release(socket) {
  if (!admitted.has(socket)) return;
  admitted.delete(socket);
  inFlight--;
  while (waiting.length && inFlight < LIMIT) {
    const [server, args] = waiting.shift();
    if (args[1].destroyed) continue;
    admit(server, args);
  }
}

function admit(server, args) {
  const socket = args[1];
  inFlight++;
  admitted.add(socket);
  const write = socket._write;
  const writev = socket._writev;
  socket._write = function (chunk, encoding, cb) {
    if (isAck(chunk)) release(socket);
    return write.call(this, chunk, encoding, cb);
  };
  socket._writev = function (chunks, cb) {
    if (chunks.some((c) => isAck(c.chunk))) release(socket);
    return writev.call(this, chunks, cb);
  };
  socket.once('close', () => release(socket));
  emit.call(server, 'upgrade', ...args);
}

http.Server.prototype.emit = function (event, ...args) {
  if (event !== 'upgrade' || !String(args[0]?.url).includes('app=agent')) return emit.call(this, event, ...args);
  if (inFlight < LIMIT) admit(this, args);
  else waiting.push([this, args]);
  return true;
};
