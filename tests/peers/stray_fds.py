#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A hostile IPC child: attaches file descriptors (SCM_RIGHTS) to plain messages.
#   stray_fds.py COUNT PER_MESSAGE   COUNT messages {"i": n}, each with PER_MESSAGE
# fds, then {"done": COUNT}; then waits for the parent to close the channel.
import os, socket, sys

count, per = int(sys.argv[1]), int(sys.argv[2])
ch = socket.socket(fileno=int(os.environ.get("NODE_CHANNEL_FD", "3")))
r, w = os.pipe()
for i in range(count):
    socket.send_fds(ch, [b'{"i":%d}\n' % i], [r] * per)
ch.sendall(b'{"done":%d}\n' % count)
while ch.recv(65536):
    pass
