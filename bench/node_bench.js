// SPDX-License-Identifier: MIT
// Node 20's side of the benchmarks; the same modes and output as floor.c.
const cp = require('child_process');
const [mode, a, b, c] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e9;
let resident;

if (mode === 'json-encode' || mode === 'json-decode') {  // JSON.stringify / JSON.parse, as bench_json
  const count = +b;
  let value = { cmd: 'ping', seq: 12345, ok: true, tags: ['a', 'b'] };
  if (a === 'big') {
    let text = '';
    while (Buffer.byteLength(text) < 65536 - 64) text += 'line of text, "quoted", caf\u00e9\tand more\n';
    value = { cmd: 'data', seq: 1, text };
  }
  const text = JSON.stringify(value); let sink = 0; const t0 = now();
  for (let i = 0; i < count; i++) sink += mode === 'json-encode' ? JSON.stringify(value).length : Object.keys(JSON.parse(text)).length;
  console.log((Buffer.byteLength(text) * count / (now() - t0) / 1e6).toFixed(1) + (sink < 0 ? '!' : ''));
} else if (mode === 'spawn') {
  if (+a > 0) resident = Buffer.alloc(+a * 1048576, 1);  // filled, so resident
  const count = +b; let done = 0; const t0 = now();
  const next = () => cp.spawn('/bin/true', [], { stdio: 'ignore' }).on('exit', () => {
    if (++done < count) next(); else console.log(((now() - t0) / count * 1e6).toFixed(1));
  });
  next();
} else if (mode === 'inflight') {
  const count = +a; let started = 0, done = 0; const t0 = now();
  const one = () => { started++; cp.spawn('/bin/true', [], { stdio: 'ignore' }).on('exit', () => {
    if (++done === count) console.log((count / (now() - t0)).toFixed(0)); else if (started < count) one(); }); };
  for (let i = 0; i < 32 && started < count; i++) one();
} else if (mode === 'scale') {  // N `sleep` children alive at once, as floor.c's scale
  const n = +a; const out = +b ? 'pipe' : 'ignore'; const fs = require('fs');
  const fds = () => fs.readdirSync('/proc/self/fd').length;
  const rss = () => +/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1];
  const kids = []; let first = 0, last = 0;
  const rss0 = rss(), fds0 = fds(), t0 = now();
  for (let i = 0; i < n; i++) {
    const s = now();
    kids.push(cp.spawn('/bin/sleep', ['3600'], { stdio: ['ignore', out, out] }));
    const took = now() - s; if (i < 10) first += took; if (i >= n - 10) last += took;
  }
  const started = now() - t0, rss1 = rss(), fds1 = fds(), t1 = now(); let closed = 0;
  for (const k of kids) {
    k.on('close', () => {
      if (++closed < n) return;
      console.log([started * 1e3, (now() - t1) * 1e3].map((v) => v.toFixed(0)).concat(
        [(rss1 - rss0) / n, (fds1 - fds0) / n].map((v) => v.toFixed(2)),
        [first / 10 * 1e6, last / 10 * 1e6].map((v) => v.toFixed(1))).join(' '));
    });
    k.kill('SIGKILL');
  }
} else if (mode === 'throughput') {
  let total = 0; const t0 = now();
  const ch = cp.spawn(a, [b], { stdio: ['ignore', 'pipe', 'ignore'] });
  ch.stdout.on('data', (d) => { total += d.length; });
  ch.on('close', () => console.log((total / (now() - t0) / 1e9).toFixed(2)));
} else if (mode === 'capture' || mode === 'capture-utf8') {
  const t0 = now();
  const encoding = mode === 'capture' ? 'buffer' : 'utf8';  // utf8: the default
  cp.execFile(a, [b], { maxBuffer: Infinity, encoding }, (err, out) => {
    console.log(((now() - t0) * 1e3).toFixed(1) + ' ' + (process.resourceUsage().maxRSS / 1024).toFixed(1));
  });
} else if (mode === 'echo-child') {
  const target = a === undefined ? -1 : +a; let seen = 0;
  process.on('message', (m) => { if (target < 0) process.send(m); else if (++seen === target) process.send('done'); });
} else if (mode === 'adv-child') {  // echoes, or says 'done' after COUNT; {go: [size, count]}: sends Uint8Arrays
  const target = a === undefined ? -1 : +a; let seen = 0;
  process.on('message', (m) => {
    if (m && m.go) { const bytes = new Uint8Array(m.go[0]).fill(98); for (let i = 0; i < m.go[1]; i++) process.send(bytes); }
    else if (target < 0) process.send(m); else if (++seen === target) process.send('done');
  });
} else if (mode === 'adv-bytes') {  // the child sends COUNT Uint8Arrays of SIZE bytes: msg/s and peak RSS
  const size = +a; const count = +b; let got = 0; let t0;
  const ch = cp.fork(__filename, ['adv-child'], { serialization: 'advanced' });
  ch.on('message', (m) => {
    if (m.length !== size) process.exit(1);
    if (++got < count) return;
    console.log((count / (now() - t0)).toFixed(1) + ' ' + (process.resourceUsage().maxRSS / 1024).toFixed(1));
    ch.disconnect();
  });
  ch.on('spawn', () => { t0 = now(); ch.send({ go: [size, count] }); });
} else if (mode === 'adv-rt' || mode === 'adv-oneway') {
  const count = +a; const rt = mode === 'adv-rt'; const msg = { seq: 12345, ok: true, tags: ['a', 'b'] };
  const ch = cp.fork(__filename, rt ? ['adv-child'] : ['adv-child', String(count)], { serialization: 'advanced' });
  let answered = 0; let t0;
  ch.on('message', () => {
    if (!rt) { console.log((count / (now() - t0)).toFixed(0)); ch.disconnect(); }
    else if (++answered < count) ch.send(msg);
    else { console.log(((now() - t0) / count * 1e6).toFixed(1)); ch.disconnect(); }
  });
  ch.on('spawn', () => { t0 = now(); if (rt) ch.send(msg); else for (let i = 0; i < count; i++) ch.send(msg); });
} else if (mode.startsWith('ipc-')) {
  const count = +a; const rt = mode === 'ipc-rt';
  const paced = mode === 'ipc-big-paced';  // stops when send() says false, goes on from that message's callback
  const msg = 'm'.repeat(mode.startsWith('ipc-big') ? 65536 - 3 : 16 - 3);
  let sent = 0; let pausedAt = -1;
  const pump = () => {
    while (sent < count) {
      const n = ++sent;
      if (!ch.send(msg, () => { if (n === pausedAt) pump(); })) { pausedAt = n; return; }
    }
  };
  const ch = cp.fork(__filename, rt ? ['echo-child'] : ['echo-child', String(count)]);
  let answered = 0; let t0;
  ch.on('message', () => {
    if (!rt) { console.log((count / (now() - t0)).toFixed(0)); ch.disconnect(); }
    else if (++answered < count) ch.send(msg);
    else { console.log(((now() - t0) / count * 1e6).toFixed(1)); ch.disconnect(); }
  });
  ch.on('spawn', () => { t0 = now(); if (rt) ch.send(msg); else if (paced) pump(); else for (let i = 0; i < count; i++) ch.send(msg); });
} else {
  console.error('node_bench: unknown mode ' + mode); process.exit(2);
}
