// SPDX-License-Identifier: MIT
// Scripting rows for the peers a Node user would pick: execa and zx (installed by
// bench/script.sh into build/bench/npm). Same modes and figures as script_bench.cpp.
//   node script_bench.mjs execa|zx text|pipeline|lines N
const [peer, mode, arg] = process.argv.slice(2);
const n = Number(arg);
const { execa } = peer === 'execa' ? await import('execa') : {};
const { $ } = peer === 'zx' ? await import('zx') : {};
if ($) $.quiet = true;
const t0 = process.hrtime.bigint();
const since = (unit) => Number(process.hrtime.bigint() - t0) / 1e9 * unit;

if (mode === 'text') {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const text = peer === 'execa' ? (await execa('echo', ['hi'])).stdout : (await $`echo hi`).text().trimEnd();
    total += text.length;
  }
  if (total !== 2 * n) process.exit(1);
  console.log((since(1e6) / n).toFixed(1));
} else if (mode === 'pipeline') {
  let out;
  if (peer === 'execa') {
    // Without buffer: false execa keeps every stage's stdout too, and 100 MiB of
    // it ends Node with "Fatal JavaScript invalid size error" (bench/script.sh notes it).
    const quiet = { buffer: false };
    out = (await execa('head', ['-c', String(n), '/dev/zero'], quiet).pipe('tr', ['\\0', 'a'], quiet).pipe('wc', ['-c'])).stdout;
  } else {
    out = (await $`head -c ${n} /dev/zero | tr '\\0' a | wc -c`).text().trim();
  }
  if (out !== String(n)) process.exit(1);
  console.log(since(1e3).toFixed(1));
} else if (mode === 'lines') {
  let lines = 0;
  const source = peer === 'execa' ? execa('seq', ['1', String(n)]) : $`seq 1 ${n}`;
  for await (const line of source) if (line.length) lines++;
  if (lines !== n) process.exit(1);
  console.log(since(1e3).toFixed(1));
} else {
  process.exit(2);
}
