#!/bin/sh
# SPDX-License-Identifier: MIT
# The timeline page as a person meets it: pages of real runs (a pipeline, a fork
# with IPC) loaded in headless Chromium, their rendered DOM and screenshots
# checked by check_render.py, in the light scheme and the dark one.
#   check_timeline.sh CHILDPROC_CLI CHROMIUM
set -eu
tool=$1
chromium=$2
here=$(dirname "$0")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$tool" pipeline --trace=html="$out/pipeline.html" -- printf 'b\na\n' '|' sort '|' cat >/dev/null
"$tool" fork --trace=html="$out/fork.html" --send '{"a":1}' --send '"two"' --disconnect "$tool" ipc-echo >/dev/null
browse() {  # browse PAGE ARGS...: chromium's own chatter (dbus, GPU) is not ours to judge
    page=$1
    shift
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1300,700 \
        "$@" "file://$out/$page.html" 2>/dev/null
}
for page in pipeline fork; do
    browse "$page" --dump-dom >"$out/$page.dom"
    browse "$page" --screenshot="$out/$page.png" >/dev/null
done
browse fork --force-dark-mode --screenshot="$out/fork-dark.png" >/dev/null
# Debian's python3, which has python3-pil (a pyenv python3 first on PATH would not).
/usr/bin/python3 "$here/check_render.py" "$out"
