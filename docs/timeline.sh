#!/bin/sh
# SPDX-License-Identifier: MIT
# docs/timeline.png, the README's picture, from a real run: examples/timeline.cpp
# records a fork, a pipeline and a timeout together; headless Chromium shoots the page.
#   sh docs/timeline.sh [BUILD_DIR]    (default build/default, built first)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/default}
cmake --build "$build" --target example_timeline >/dev/null
page=$(mktemp --suffix=.html)
trap 'rm -f "$page"' EXIT
"$build/examples/example_timeline" "$page"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,420 \
    --screenshot=docs/timeline.png "file://$page" 2>/dev/null
echo "docs/timeline.png: made from $page"
