#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A hostile IPC parent for a C++ child (tests/helpers/cp_ipc_child.cpp).
#   hostile_parent.py CHILD gone       close our end first: every write of the child
#                                      meets a vanished peer; print the child's status
#   hostile_parent.py CHILD big SIZE   send {"a":1}, SIZE bytes with no newline, a
#                                      newline and {"b":2}; print each reply line
import os, socket, subprocess, sys

child, what = sys.argv[1], sys.argv[2]
ours, theirs = socket.socketpair()
env = dict(os.environ, NODE_CHANNEL_FD=str(theirs.fileno()))
if what == "gone":
    ours.close()
    p = subprocess.Popen([child, "burst", "2000"], env=env, pass_fds=[theirs.fileno()])
    theirs.close()
    print("status", p.wait())
    sys.exit(0)

size = int(sys.argv[3])
p = subprocess.Popen([child, "report-errors"], env=env, pass_fds=[theirs.fileno()])
theirs.close()
ours.sendall(b'{"a":1}\n')
chunk = b'x' * (1 << 20)
left = size
while left > 0:
    ours.sendall(chunk[:min(left, len(chunk))])
    left -= min(left, len(chunk))
ours.sendall(b'\n{"b":2}\n')
got = b""
while got.count(b"\n") < 3:
    more = ours.recv(65536)
    if not more:
        break
    got += more
sys.stdout.write(got.decode())
ours.close()
print("status", p.wait())
