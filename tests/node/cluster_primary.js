// SPDX-License-Identifier: MIT
// A Node cluster primary with C++ workers: Node's fork() runs process.execPath,
// so pointing it at the C++ worker makes Node's "exec" script its mode argument.
// Usage: node cluster_primary.js <cp_cluster_worker> <rr|none> [udp]
// Prints "ready <port> <pid> <pid>" once both workers listen (or bind, with udp).
const cluster = require('cluster');
process.execPath = process.argv[2];
cluster.schedulingPolicy = process.argv[3] === 'none' ? cluster.SCHED_NONE : cluster.SCHED_RR;
cluster.setupPrimary({ exec: process.argv[4] === 'udp' ? 'udp' : 'serve', args: ['0'] });
const pids = [];
let port = 0;
cluster.on('listening', (worker, address) => {
  pids.push(worker.process.pid);
  port = address.port;
  if (pids.length === 2) console.log(`ready ${port} ${pids.join(' ')}`);
});
cluster.on('message', (worker, m) => console.log('message ' + JSON.stringify(m)));
cluster.fork();
cluster.fork();
