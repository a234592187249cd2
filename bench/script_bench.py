# SPDX-License-Identifier: MIT
# Scripting rows for Python's subprocess: same modes and figures as script_bench.cpp.
#   python3 script_bench.py text|pipeline|lines N
import subprocess
import sys
import time

mode, n = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
if mode == "text":
    total = 0
    for _ in range(n):
        total += len(subprocess.run(["echo", "hi"], capture_output=True, text=True, check=True).stdout.rstrip("\n"))
    assert total == 2 * n
    print(f"{(time.perf_counter() - t0) * 1e6 / n:.1f}")
elif mode == "pipeline":
    head = subprocess.Popen(["head", "-c", str(n), "/dev/zero"], stdout=subprocess.PIPE)
    tr = subprocess.Popen(["tr", "\\0", "a"], stdin=head.stdout, stdout=subprocess.PIPE)
    head.stdout.close()
    wc = subprocess.Popen(["wc", "-c"], stdin=tr.stdout, stdout=subprocess.PIPE, text=True)
    tr.stdout.close()
    out = wc.communicate()[0].strip()
    assert head.wait() == 0 and tr.wait() == 0 and out == str(n)
    print(f"{(time.perf_counter() - t0) * 1e3:.1f}")
elif mode == "lines":
    lines = 0
    with subprocess.Popen(["seq", "1", str(n)], stdout=subprocess.PIPE, text=True) as p:
        for line in p.stdout:
            lines += line != "\n"
    assert p.returncode == 0 and lines == n
    print(f"{(time.perf_counter() - t0) * 1e3:.1f}")
