# SPDX-License-Identifier: MIT
# A child on an 'advanced' channel (fd 3) that sends what Node's
# ChildProcessSerializer makes of typed arrays, one frame each:
#   typed_arrays.py KIND SIZE [KIND SIZE ...]   KIND: uint8 (a Uint8Array) or buffer
# The bytes of message i are all i.
import os
import struct
import sys

INDEX = {'uint8': 1, 'buffer': 10}  # Node's arrayBufferViewTypes order

def varint(n):
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)

args = sys.argv[1:]
for i in range(0, len(args), 2):
    size = int(args[i + 1])
    payload = b'\xff\x0f\x5c\x00' + varint(INDEX[args[i]]) + varint(size) + bytes([i // 2]) * size
    os.write(3, struct.pack('>I', len(payload)))
    view = memoryview(payload)
    while view:
        view = view[os.write(3, view):]
os.close(3)
