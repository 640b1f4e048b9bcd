// What-if probe (not a server change): counts the writes to TCP sockets (each one system call) and prints the
// running total to the server's log every 2 s, to tell how many writes an admission costs.
import net from 'node:net';

let writes = 0;
let packets = 0;
const generic = net.Socket.prototype._writeGeneric;
net.Socket.prototype._writeGeneric = function (writev, data, ...rest) {
  writes++;
  packets += writev ? data.length : 1;
  return generic.call(this, writev, data, ...rest);
};
setInterval(() => process.stderr.write(`write-count ${Date.now()} writes=${writes} buffers=${packets}\n`), 2000).unref();
