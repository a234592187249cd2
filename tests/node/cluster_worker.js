// SPDX-License-Identifier: MIT
// A Node cluster worker under a C++ primary: serves its pid, echoes messages.
const cluster = require('cluster');
const net = require('net');
net.createServer((s) => s.end(process.pid + '\n')).listen(+process.argv[2] || 0);
process.on('message', (m) => process.send({ echo: m, id: cluster.worker.id, node: true }));
