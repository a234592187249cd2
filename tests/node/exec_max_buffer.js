// SPDX-License-Identifier: MIT
// Node's exec() with a maxBuffer and an encoding: prints {"code", "hex"} of what it kept.
const { exec } = require('child_process');
const [cmd, maxBuffer, encoding] = process.argv.slice(2);
exec(cmd, { maxBuffer: Number(maxBuffer), encoding }, (err, stdout) => {
  const hex = Buffer.from(stdout, encoding === 'buffer' ? undefined : 'utf8').toString('hex');
  console.log(JSON.stringify({ code: err ? err.code : null, hex }));
});
