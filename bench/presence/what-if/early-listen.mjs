// What-if experiment (not a server change): loaded with `--import` into a server process, it listens on $PORT at
// once, before the server has loaded, and holds each connection it accepts unread (`pauseOnConnect`). When the server
// later listens on that port, its HTTP server takes over the listening socket and is handed the held connections.
// Question asked: in an immediate restart, is a storm shorter when the agents' first reconnect wave waits for the
// starting server instead of being refused (and backing off for seconds)?
import http from 'node:http';
import net from 'node:net';

const port = Number(process.env.PORT);
const host = process.env.HOST ?? '127.0.0.1';
const early = net.createServer({ pauseOnConnect: true });
const held = [];
early.on('connection', (socket) => held.push(socket));
early.listen({ port, host, backlog: 4096 });

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function adopt(...args) {
  const options = args[0];
  if (!early.listening || !options || typeof options !== 'object' || Number(options.port) !== port) return listen.apply(this, args);
  const done = args.find((a) => typeof a === 'function');
  listen.call(this, early, () => {
    for (const socket of held.splice(0)) {
      this.emit('connection', socket);
      socket.resume();
    }
    done?.();
  });
  return this;
};
