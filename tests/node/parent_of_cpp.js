// SPDX-License-Identifier: MIT
// Node parent for the interop tests: starts the C++ child (argv[2]) with Node's
// own fork()/spawn() and checks messages, ordering, disconnect and handles.
// Prints one JSON line with the results; exits non-zero on any mismatch.
const cp = require('child_process');
const dgram = require('dgram');
const net = require('net');
const assert = require('assert');
const child = process.argv[2];
const how = process.argv[3];  // fork | spawn | handles | socket | burst | offer-server | dgram | offer-dgram

function start(mode, args = []) {
  if (how === 'spawn') return cp.spawn(child, [mode, ...args], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  return cp.fork(mode, args, { execPath: child });  // runs: child mode args...
}

function fail(e) { console.error(e); process.exit(1); }

if (how === 'fork' || how === 'spawn') {
  const c = start('echo');
  const got = [];
  const text = 'héllo €𝄞 ' + '\u2028' + ' ünïcödé';
  const big = 'y'.repeat(1024 * 1024);
  const N = 10000;
  c.on('message', (m) => {
    got.push(m);
    if (got.length === N + 2) {
      try {
        assert.deepStrictEqual(got[0].echo, { text });
        assert.strictEqual(got[1].echo.big.length, big.length);
        for (let i = 0; i < N; i++) assert.strictEqual(got[i + 2].echo, i);
      } catch (e) { fail(e); }
      c.send('disconnect');
    }
  });
  let disconnected = false;
  c.on('disconnect', () => { disconnected = true; });
  c.on('exit', (code) => {
    if (!disconnected) fail('no disconnect before exit');
    console.log(JSON.stringify({ ok: true, messages: got.length, code }));
    process.exit(code === 0 ? 0 : 1);
  });
  c.send({ text });
  c.send({ big });
  for (let i = 0; i < N; i++) c.send(i);
} else if (how === 'burst') {
  const c = start('burst', ['10000']);
  let n = 0;
  c.on('message', (m) => { if (m.i !== n || m.text !== 'héllo €𝄞') fail('out of order ' + JSON.stringify(m)); n++; });
  c.on('disconnect', () => { console.log(JSON.stringify({ ok: n === 10000, n })); process.exit(n === 10000 ? 0 : 1); });
} else if (how === 'handles') {
  // Node sends a listening server to the C++ child, stops accepting, and connects.
  const c = start('echo');
  const srv = net.createServer((s) => s.end('node-parent\n'));
  srv.listen(0, '127.0.0.1', () => {
    const port = srv.address().port;
    c.send({ take: 'server' }, srv);
    c.on('message', (m) => {
      if (m.handle !== 'net.Server') fail('child got ' + JSON.stringify(m));
      srv.close();  // from now on only the child accepts
      net.connect(port, '127.0.0.1').on('data', (d) => {
        const text = d.toString();
        console.log(JSON.stringify({ ok: text.startsWith('child:'), text }));
        c.kill();
        process.exit(text.startsWith('child:') ? 0 : 1);
      });
    });
  });
} else if (how === 'socket') {
  // Node accepts a connection and passes the socket to the C++ child.
  const c = start('echo');
  const srv = net.createServer((s) => c.send({ take: 'socket' }, s));
  srv.listen(0, '127.0.0.1', () => {
    net.connect(srv.address().port, '127.0.0.1').on('data', (d) => {
      const text = d.toString();
      console.log(JSON.stringify({ ok: text === 'child got socket\n', text }));
      c.kill();
      process.exit(text === 'child got socket\n' ? 0 : 1);
    });
  });
} else if (how === 'offer-server') {
  // The C++ child sends Node its listening server.
  const c = start('offer-server');
  c.on('message', (m, h) => {
    if (!(h instanceof net.Server)) fail('no server: ' + JSON.stringify(m));
    h.on('connection', (s) => s.end('node-parent-took-it\n'));
    net.connect(m.port, '127.0.0.1').on('data', (d) => {
      const text = d.toString();
      console.log(JSON.stringify({ ok: text === 'node-parent-took-it\n', text }));
      process.exit(text === 'node-parent-took-it\n' ? 0 : 1);
    });
  });
} else if (how === 'dgram') {
  // Node sends a bound UDP socket to the C++ child, closes its own, and pings the port.
  const c = start('echo');
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1', () => {
    const port = sock.address().port;
    c.send({ take: 'dgram' }, sock);
    c.on('message', (m) => {
      if (m.handle !== 'dgram.Socket') fail('child got ' + JSON.stringify(m));
      sock.close();  // from now on only the child receives
      pingUntilAnswered(port, 'child:ping', () => c.kill());
    });
  });
} else if (how === 'offer-dgram') {
  // The C++ child sends Node its bound UDP socket.
  const c = start('offer-dgram');
  c.on('message', (m, h) => {
    if (!(h instanceof dgram.Socket)) fail('no dgram socket: ' + JSON.stringify(m));
    h.on('message', (d, from) => h.send('node-parent:' + d, from.port, from.address));
    pingUntilAnswered(m.port, 'node-parent:ping', () => h.close());
  });
} else if (how === 'advanced') {
  // serialization 'advanced' with the C++ child: what JSON cannot carry comes back as it went.
  const c = cp.fork('echo-value', [], { execPath: child, serialization: 'advanced' });
  const m = {
    buf: Buffer.from([0, 1, 2, 255]), u16: new Uint16Array([1, 65535]), date: new Date(86400000),
    re: /a+b/gi, map: new Map([[1, 'one'], ['k', { v: [1, 2] }]]), set: new Set(['x', 3]),
    big: 12345678901234567890n, neg: -1n, undef: undefined, nan: NaN, negZero: -0,
    err: new RangeError('bad', { cause: 'why' }), text: 'héllo €𝄞', large: Buffer.alloc(1 << 20, 7),
    arr: [1, , 3],
  };
  m.self = m;
  const shared = { s: 1 };
  m.twice = [shared, shared];
  c.on('message', (r) => {
    try {
      const e = r.echo;
      assert.deepStrictEqual(e.buf, m.buf);
      assert.ok(Buffer.isBuffer(e.buf));
      assert.deepStrictEqual(e.u16, m.u16);
      assert.ok(e.u16 instanceof Uint16Array);
      assert.deepStrictEqual(e.date, m.date);
      assert.deepStrictEqual(e.re, m.re);
      assert.deepStrictEqual(e.map, m.map);
      assert.deepStrictEqual(e.set, m.set);
      assert.strictEqual(e.big, m.big);
      assert.strictEqual(e.neg, m.neg);
      assert.ok('undef' in e && e.undef === undefined);
      assert.ok(Number.isNaN(e.nan));
      assert.ok(Object.is(e.negZero, -0));
      assert.ok(e.err instanceof RangeError);
      assert.strictEqual(e.err.message, 'bad');
      assert.strictEqual(e.err.cause, 'why');
      assert.strictEqual(e.text, m.text);
      assert.ok(e.large.equals(m.large));
      assert.strictEqual(e.self, e);
      assert.strictEqual(e.twice[0], e.twice[1]);
      assert.strictEqual(e.arr.length, 3);
    } catch (err) { fail(err); }
    console.log(JSON.stringify({ ok: true }));
    c.send('disconnect');
  });
  c.on('exit', (code) => process.exit(code));
  c.send(m);
} else {
  fail('unknown mode ' + how);
}

// UDP may drop a datagram: ping every 50 ms until the expected answer comes.
function pingUntilAnswered(port, expected, done) {
  const client = dgram.createSocket('udp4');
  const timer = setInterval(() => client.send('ping', port, '127.0.0.1'), 50);
  client.send('ping', port, '127.0.0.1');
  client.on('message', (d) => {
    clearInterval(timer);
    client.close();
    const text = d.toString();
    console.log(JSON.stringify({ ok: text === expected, text }));
    done();
    process.exit(text === expected ? 0 : 1);
  });
}
