// SPDX-License-Identifier: MIT
// Terminal rows (bench/pty.sh) with node-pty, as a Node user would write them.
//   node pty_bench.mjs spawn N | throughput BYTES
// node-pty has no event after the last byte: its 'exit' is the end we can wait for.
import { spawn } from 'node-pty';

function run(file, args) {
  return new Promise((resolve) => {
    let total = 0;
    const term = spawn(file, args, { encoding: null, cols: 80, rows: 24 });
    term.onData((d) => { total += d.length; });
    term.onExit(() => resolve(total));
  });
}

const [what, arg] = process.argv.slice(2);
const n = Number(arg);
const t0 = process.hrtime.bigint();
const elapsed = (unit) => Number(process.hrtime.bigint() - t0) / unit;
if (what === 'spawn') {
  for (let i = 0; i < n; i++) await run('true', []);
  console.log((elapsed(1e3) / n).toFixed(1));
} else {
  const got = await run('head', ['-c', String(n), '/dev/zero']);
  if (got !== n) {
    console.error(`short: ${got} of ${n} bytes`);
    console.log('failed');
    process.exit(1);
  }
  console.log(elapsed(1e6).toFixed(1));
}
