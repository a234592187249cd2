# SPDX-License-Identifier: MIT
# What Chromium rendered of the timeline pages (check_timeline.sh made them):
# the lanes, pipes and message arrows in the live DOM, and screenshots that show
# the figure in both colour schemes.
import re
import sys

from PIL import Image

out = sys.argv[1]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def dom(page):
    with open(f"{out}/{page}.dom", encoding="utf-8") as f:
        return f.read()


pipeline, fork = dom("pipeline"), dom("fork")
check(pipeline.count('<g class="lane"') == 4, "pipeline: 4 lanes (this process and 3 stages)")
check(pipeline.count('<path class="pipe"') == 2, "pipeline: 2 pipes between the stages")
check("stage 3" in pipeline, "pipeline: the stages are named")
check(fork.count('<g class="lane"') == 2, "fork: 2 lanes")
messages = sum(int(n) for n in re.findall(r'class="msg" data-count="(\d+)"', fork))
check(messages == 4, f"fork: 4 messages drawn (2 sent, 2 replies), got {messages}")
check("ipc-echo" in fork, "fork: the child's argv is shown")


def colours(png):
    img = Image.open(f"{out}/{png}").convert("RGB")
    return img, {c for _, c in img.getcolors(maxcolors=1 << 20)}


light, seen = colours("fork.png")
check(len(seen) > 20, f"fork.png is not blank ({len(seen)} colours)")
check((0x93, 0xC5, 0xFD) in seen, "fork.png shows a running lane (light --life)")
check(light.getpixel((5, 5)) == (255, 255, 255), "fork.png: light background")
dark, seen = colours("fork-dark.png")
check(dark.getpixel((5, 5)) == (0x11, 0x13, 0x18), f"fork-dark.png: dark background, got {dark.getpixel((5, 5))}")
check((0x1E, 0x40, 0xAF) in seen, "fork-dark.png shows a running lane (dark --life)")
_, seen = colours("pipeline.png")
check((0x0D, 0x94, 0x88) in seen, "pipeline.png shows the pipes between stages")

for f in failures:
    print("FAILED:", f)
print("timeline pages rendered as expected" if not failures else f"{len(failures)} checks failed")
sys.exit(1 if failures else 0)
