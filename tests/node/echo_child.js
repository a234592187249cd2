// SPDX-License-Identifier: MIT
// Node child for the interop tests: echoes messages; serves received handles.
const dgram = require('dgram');
const net = require('net');
const servers = [];
process.on('message', (m, h) => {
  if (m === 'disconnect') return process.disconnect();
  if (m === 'burst') {
    // Node drops writes still queued when disconnect() runs: wait for the last one.
    for (let i = 0; i < 9999; i++) process.send({ i, text: 'héllo €𝄞' });
    return process.send({ i: 9999, text: 'héllo €𝄞' }, () => process.disconnect());
  }
  if (m === 'offer-server') {
    const srv = net.createServer((s) => s.end('node:' + process.pid + '\n'));
    srv.listen(0, '127.0.0.1', () => {
      process.send({ port: srv.address().port }, srv, () => srv.close());
    });
    return;
  }
  if (h instanceof net.Server) {
    h.on('connection', (s) => s.end('node:' + process.pid + '\n'));
    servers.push(h);
  } else if (h instanceof net.Socket) {
    h.end('node got socket\n');
  } else if (h instanceof dgram.Socket) {
    h.on('message', (d, from) => h.send('node:' + d, from.port, from.address));
  }
  process.send({ echo: m, pid: process.pid, handle: h ? h.constructor.name : null });
});
