// SPDX-License-Identifier: MIT
// Node child forked with serialization 'advanced': echoes each message, and says
// what Node made of it, so the C++ side knows the values arrived as real types.
process.on('message', (m) => {
  if (m === 'disconnect') return process.disconnect();
  const kinds = {};
  for (const [k, v] of Object.entries(m)) {
    kinds[k] = v === null ? 'null' : Buffer.isBuffer(v) ? 'Buffer' : typeof v === 'object' ? v.constructor.name : typeof v;
  }
  process.send({ echo: m, kinds, selfIsSelf: m.self === m, bufLength: m.big ? m.big.length : 0 });
});
