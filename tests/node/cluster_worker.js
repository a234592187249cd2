// SPDX-License-Identifier: MIT
// A Node cluster worker under a C++ primary: serves its pid (over TCP, or over
// UDP on 127.0.0.1 with "udp" after the port), echoes messages.
const cluster = require('cluster');
const dgram = require('dgram');
const net = require('net');
if (process.argv[3] === 'udp') {
  const s = dgram.createSocket('udp4', (d, from) => s.send(String(process.pid), from.port, from.address));
  s.bind(+process.argv[2] || 0, '127.0.0.1');
} else {
  net.createServer((s) => s.end(process.pid + '\n')).listen(+process.argv[2] || 0);
}
process.on('message', (m) => process.send({ echo: m, id: cluster.worker.id, node: true }));
