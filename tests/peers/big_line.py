#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A hostile IPC child: one message, then SIZE bytes without a newline, then a
# newline and one more message; then waits for the parent to close the channel.
#   big_line.py SIZE
import os, socket, sys

size = int(sys.argv[1])
ch = socket.socket(fileno=int(os.environ.get("NODE_CHANNEL_FD", "3")))
ch.sendall(b'{"first":1}\n')
chunk = b'x' * (1 << 20)
left = size
while left > 0:
    ch.sendall(chunk[:min(left, len(chunk))])
    left -= min(left, len(chunk))
ch.sendall(b'\n{"after":2}\n')
while ch.recv(65536):
    pass
