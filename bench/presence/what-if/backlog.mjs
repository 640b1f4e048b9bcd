// What-if experiment (not a server change): loaded with `--import` into a server process, it makes
// every `listen({ ... })` ask for a listen backlog of 4096 (Node's default is 511), as
// `app.listen({ port, host, backlog: 4096 })` would.
import net from 'node:net';

const original = net.Server.prototype.listen;
net.Server.prototype.listen = function listen(...args) {
  if (args[0] && typeof args[0] === 'object' && args[0].backlog === undefined) args[0] = { ...args[0], backlog: 4096 };
  else if (typeof args[0] === 'number' && typeof args[1] === 'string' && typeof args[2] !== 'number') args.splice(2, 0, 4096);
  return original.apply(this, args);
};
