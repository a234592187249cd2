# SPDX-License-Identifier: MIT
# A hostile child on an 'advanced' channel (fd 3): a frame whose payload is not
# V8's format, a frame longer than the parent's cap, then a good frame {ok: 1}.
import os
import struct

def frame(payload):
    return struct.pack('>I', len(payload)) + payload

good = bytes.fromhex('ff0f6f22026f6b49027b01')  # {ok: 1}
os.write(3, frame(b'\x01\x02not v8'))
os.write(3, frame(b'\xff\x0f\x22\x7f' + b'x' * 5000))  # too large for a 1000-byte cap
os.write(3, frame(good))
os.close(3)
