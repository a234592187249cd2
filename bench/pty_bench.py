# SPDX-License-Identifier: MIT
# Terminal rows (bench/pty.sh) with Python's pty module, as a pexpect user would
# start a program: pty.fork(), then os.read until EIO.
#   python3 pty_bench.py spawn N | throughput BYTES
import os
import pty
import sys
import time


def run(argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    total = 0
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the program's side is closed
            break
        if not chunk:
            break
        total += len(chunk)
    os.waitpid(pid, 0)
    os.close(fd)
    return total


what, n = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
if what == "spawn":
    for _ in range(n):
        run(["true"])
    print(f"{(time.perf_counter() - t0) * 1e6 / n:.1f}")
else:
    got = run(["head", "-c", str(n), "/dev/zero"])
    if got != n:
        print(f"short: {got} of {n} bytes", file=sys.stderr)
        print("failed")
        sys.exit(1)
    print(f"{(time.perf_counter() - t0) * 1e3:.1f}")
