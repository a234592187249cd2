# SPDX-License-Identifier: MIT
# Python's subprocess, the peer a scripter would pick: the same modes and output as floor.c.
#   python3 bench/python_bench.py spawn RSS_MIB COUNT | inflight COUNT | capture WRITER BYTES | scale N PIPES
import os
import re
import resource
import subprocess
import sys
import time

DEVNULL = subprocess.DEVNULL
mode, args = sys.argv[1], sys.argv[2:]


def resident_kib():
    with open('/proc/self/status') as f:
        return int(re.search(r'VmRSS:\s+(\d+)', f.read()).group(1))


def open_fds():
    return len(os.listdir('/proc/self/fd'))


if mode == 'spawn':
    resident = b'\1' * (int(args[0]) << 20)  # filled, so resident
    count = int(args[1])
    t0 = time.monotonic()
    for _ in range(count):
        subprocess.run(['/bin/true'], stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)
    print('%.1f' % ((time.monotonic() - t0) / count * 1e6))
elif mode == 'inflight':
    count = int(args[0])
    started = done = 0
    running = {}
    t0 = time.monotonic()

    def one():
        global started
        p = subprocess.Popen(['/bin/true'], stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)
        running[p.pid] = p
        started += 1

    while started < 32 and started < count:
        one()
    while done < count:
        pid, status = os.wait()  # whichever ends first, as the others' loops do
        running.pop(pid).returncode = os.waitstatus_to_exitcode(status)
        done += 1
        if started < count:
            one()
    print('%.0f' % (count / (time.monotonic() - t0)))
elif mode == 'capture':
    t0 = time.monotonic()
    out = subprocess.run([args[0], args[1]], stdin=DEVNULL, stdout=subprocess.PIPE).stdout
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print('%.1f %.1f' % ((time.monotonic() - t0) * 1e3, peak))
    sys.exit(0 if out else 1)
elif mode == 'scale':  # N `sleep` children alive at once, as floor.c's scale
    n, piped = int(args[0]), int(args[1]) != 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out = subprocess.PIPE if piped else DEVNULL
    kids, first, last = [], 0.0, 0.0
    rss0, fds0 = resident_kib(), open_fds()
    t0 = time.monotonic()
    for i in range(n):
        s = time.monotonic()
        kids.append(subprocess.Popen(['/bin/sleep', '3600'], stdin=DEVNULL, stdout=out, stderr=out))
        took = time.monotonic() - s
        first += took if i < 10 else 0
        last += took if i >= n - 10 else 0
    started = time.monotonic() - t0
    rss1, fds1 = resident_kib(), open_fds()
    t1 = time.monotonic()
    for k in kids:
        k.kill()
    for k in kids:
        k.wait()
        if piped:
            k.stdout.close()
            k.stderr.close()
    print('%.0f %.0f %.2f %.2f %.1f %.1f' % (started * 1e3, (time.monotonic() - t1) * 1e3, (rss1 - rss0) / n,
                                            (fds1 - fds0) / n, first / 10 * 1e6, last / 10 * 1e6))
else:
    sys.exit("python_bench: unknown mode '%s'" % mode)
