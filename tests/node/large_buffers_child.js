// SPDX-License-Identifier: MIT
// The child half of Node's test-child-process-advanced-serialization-largebuffer.js
// (nodejs/node#34797): four 8 MiB Uint8Arrays, each filled with its index.
const eightMB = 8 * 1024 * 1024;
for (let i = 0; i < 4; i++) {
  process.send(new Uint8Array(eightMB).fill(i));
}
