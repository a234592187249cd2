// SPDX-License-Identifier: MIT
// Node's side of the cluster benchmark: the same service as examples/cluster_http.
//   node node_cluster_http.js <workers> <http|net>
// http: Node's http module (what a Node user writes). net: the same minimal
// responder as the C++ example, on net sockets (same work, so the fairer match).
// Prints "listening on port N" once every worker listens.
const cluster = require('cluster');
const [workers, kind] = [+process.argv[2] || 2, process.argv[3] || 'http'];
if (cluster.isPrimary) {
  let n = 0;
  cluster.on('listening', (w, a) => { if (++n === workers) console.log(`listening on port ${a.port}`); });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => cluster.disconnect(() => process.exit(0)));
} else if (kind === 'http') {
  const body = `hello from ${process.pid}\n`;
  require('http').createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(body);
  }).listen(0);
} else {
  const body = `hello from ${process.pid}\n`;
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}`;
  const response = `${head}\r\n\r\n${body}`;
  const last = `${head}\r\nConnection: close\r\n\r\n${body}`;
  require('net').createServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      let end;
      while ((end = buf.indexOf('\r\n\r\n')) !== -1) {
        const req = buf.slice(0, end).toLowerCase();
        buf = buf.slice(end + 4);
        if (req.includes('connection: close')) return s.end(last);
        s.write(response);
      }
    });
    s.on('error', () => {});
  }).listen(0);
}
