#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Side-by-side benchmarks: childproc, Node 20 and a raw C floor, in interleaved
# rounds (so drift hits all three alike), reported as medians and ratios.
#   bash bench/run.sh [ROUNDS]      (default 5; README: "bash tools/dev.sh bench")
# Writes bench/results.md (the table) and bench/spawn-vs-rss.png (gnuplot).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
# shellcheck source=bench/build.sh
. bench/build.sh
bench_build
floor=$build/bench/bench_floor
cp=$build/bench/bench_childproc
writer=$build/bench/bench_writer
node="node bench/node_bench.js"
echojs=bench/node_bench.js
out=$(mktemp -d)

# name | unit | better (low/high) | floor args | childproc args | node args
cases=(
  "spawn, 0 MiB resident|µs|low|spawn 0 300|spawn 0 300|spawn 0 300"
  "spawn, 256 MiB resident|µs|low|spawn 256 200|spawn 256 200|spawn 256 200"
  "spawn, 1 GiB resident|µs|low|spawn 1024 100|spawn 1024 100|spawn 1024 100"
  "32 in flight|spawns/s|high|inflight 2000|inflight 2000|inflight 2000"
  "stdout throughput, 1 GiB|GB/s|high|throughput $writer 1073741824|throughput $writer 1073741824|throughput $writer 1073741824"
  "exec capture 100 MiB (buffer)|ms|low|capture $writer 104857600|capture $writer 104857600|capture $writer 104857600"
  "exec capture 100 MiB (utf8, the default; floor: raw bytes)|ms|low|capture $writer 104857600|capture-utf8 $writer 104857600|capture-utf8 $writer 104857600"
  "IPC round trip, small, C++⇄C++|µs|low|ipc-rt 20000|ipc-rt 20000|ipc-rt 20000"
  "IPC round trip, small, C++⇄C++ (floor: an epoll loop)|µs|low|ipc-rt-epoll 20000|ipc-rt 20000|ipc-rt 20000"
  "IPC one-way small msgs, C++⇄C++|msg/s|high|ipc-oneway 200000|ipc-oneway 200000|ipc-oneway 200000"
  "IPC one-way 64 KiB msgs, C++⇄C++|msg/s|high|ipc-big 20000|ipc-big 20000|ipc-big 20000"
  "IPC one-way 64 KiB msgs paced by send(), C++⇄C++|msg/s|high|ipc-big 20000|ipc-big-paced 20000|ipc-big-paced 20000"
  "IPC round trip, small, C++⇄Node|µs|low|-|ipc-rt 20000 node $echojs|ipc-rt 20000"
  "IPC one-way small msgs, C++⇄Node|msg/s|high|-|ipc-oneway 200000 node $echojs|ipc-oneway 200000"
  "IPC one-way 64 KiB msgs, C++⇄Node|msg/s|high|-|ipc-big 20000 node $echojs|ipc-big 20000"
  "IPC one-way 64 KiB msgs paced by send(), C++⇄Node|msg/s|high|-|ipc-big-paced 20000 node $echojs|ipc-big-paced 20000"
  "'advanced' round trip, small object, C++⇄C++|µs|low|-|adv-rt 20000|adv-rt 20000"
  "'advanced' one-way small objects, C++⇄C++|msg/s|high|-|adv-oneway 200000|adv-oneway 200000"
  "'advanced' one-way 64 KiB Uint8Arrays, C++⇄C++|msg/s|high|-|adv-bytes 65536 5000|adv-bytes 65536 5000"
  "'advanced' one-way 8 MiB Uint8Arrays, C++⇄C++|msg/s|high|-|adv-bytes 8388608 8|adv-bytes 8388608 8"
  "'advanced' round trip, small object, C++⇄Node|µs|low|-|adv-rt 20000 node $echojs|adv-rt 20000"
  "'advanced' one-way small objects, C++⇄Node|msg/s|high|-|adv-oneway 200000 node $echojs|adv-oneway 200000"
  "'advanced' one-way 64 KiB Uint8Arrays, C++⇄Node|msg/s|high|-|adv-bytes 65536 5000 node $echojs|adv-bytes 65536 5000"
  "'advanced' one-way 8 MiB Uint8Arrays, C++⇄Node|msg/s|high|-|adv-bytes 8388608 8 node $echojs|adv-bytes 8388608 8"
)

for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds" >&2
  for i in "${!cases[@]}"; do
    IFS='|' read -r name unit better fargs cargs nargs <<<"${cases[$i]}"
    [ "$fargs" = - ] || $floor $fargs | awk '{print $1}' >>"$out/$i.floor"
    $cp $cargs >"$out/tmp"; awk '{print $1}' "$out/tmp" >>"$out/$i.cp"; awk 'NF>1{print $2}' "$out/tmp" >>"$out/$i.cp.rss"
    $node $nargs >"$out/tmp"; awk '{print $1}' "$out/tmp" >>"$out/$i.node"; awk 'NF>1{print $2}' "$out/tmp" >>"$out/$i.node.rss"
    [ "$fargs" = - ] || { $floor $fargs | awk 'NF>1{print $2}' >>"$out/$i.floor.rss"; }
  done
done

median() { [ -s "$1" ] && sort -g "$1" | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}' || echo -; }
lo() { [ -s "$1" ] && sort -g "$1" | head -1 || echo -; }
hi() { [ -s "$1" ] && sort -g "$1" | tail -1 || echo -; }
# "median (min–max)": the spread of the rounds beside each median.
spread() { [ -s "$1" ] && echo "$(median "$1") ($(lo "$1")–$(hi "$1"))" || echo -; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="-"||b=="-"||b==0) print "-"; else printf "%.2f×", a/b }'; }
# How many times better childproc is (a/b), or worse when below 1.
versus() {
  awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="-"||b=="-"||a==0||b==0) print "-"; else if (a>=b) printf "%.2f× better", a/b; else printf "%.2f× worse", b/a }'
}

{
  echo "Medians of $rounds interleaved rounds on $(nproc) CPUs, $(date -u +%Y-%m-%d), with (min–max). Node $(node --version), libuv $(pkg-config --modversion libuv)."
  echo
  echo "| measure | unit | raw C floor | childproc | Node 20 | childproc / floor | childproc vs Node |"
  echo "|---|---|---|---|---|---|---|"
  for i in "${!cases[@]}"; do
    IFS='|' read -r name unit better fargs cargs nargs <<<"${cases[$i]}"
    f=$(median "$out/$i.floor"); c=$(median "$out/$i.cp"); n=$(median "$out/$i.node")
    # "vs Node" reads as how many times better childproc is.
    if [ "$better" = low ]; then vsn=$(versus "$n" "$c"); else vsn=$(versus "$c" "$n"); fi
    echo "| $name | $unit | $(spread "$out/$i.floor") | $(spread "$out/$i.cp") | $(spread "$out/$i.node") | $(ratio "$c" "$f") | $vsn |"
    if [ -s "$out/$i.cp.rss" ]; then
      echo "| $name: peak RSS | MiB | $(spread "$out/$i.floor.rss") | $(spread "$out/$i.cp.rss") | $(spread "$out/$i.node.rss") | $(ratio "$(median "$out/$i.cp.rss")" "$(median "$out/$i.floor.rss")") | $(versus "$(median "$out/$i.node.rss")" "$(median "$out/$i.cp.rss")") |"
    fi
  done
} | tee bench/results.md

# The IPC hot path's JSON codec against nlohmann (the peer it replaces), Node's
# JSON.stringify/parse, and a memcpy of the same bytes; MB/s of JSON text.
json=$build/bench/bench_json
jcases=(
  "encode, 60 B message|encode small 2000000|encode-nlohmann small 2000000|json-encode small 2000000"
  "encode, 64 KiB text message|encode big 5000|encode-nlohmann big 5000|json-encode big 5000"
  "decode, 60 B message|decode small 1000000|decode-nlohmann small 1000000|json-decode small 1000000"
  "decode, 64 KiB text message|decode big 5000|decode-nlohmann big 5000|json-decode big 5000"
)
for r in $(seq 1 "$rounds"); do
  for i in "${!jcases[@]}"; do
    IFS='|' read -r name ours peer nodeargs <<<"${jcases[$i]}"
    set -- $ours
    $json floor "$2" "$3" >>"$out/j$i.floor"
    $json $ours >>"$out/j$i.cp"
    $json $peer >>"$out/j$i.nl"
    $node $nodeargs >>"$out/j$i.node"
  done
done
{
  echo
  echo "JSON codec of the IPC hot path (lib/ipc/json_codec), MB/s of JSON text, higher is better:"
  echo
  echo "| measure | memcpy floor | childproc | nlohmann | Node 20 | childproc vs nlohmann | childproc vs Node |"
  echo "|---|---|---|---|---|---|---|"
  for i in "${!jcases[@]}"; do
    IFS='|' read -r name ours peer nodeargs <<<"${jcases[$i]}"
    c=$(median "$out/j$i.cp")
    echo "| $name | $(spread "$out/j$i.floor") | $(spread "$out/j$i.cp") | $(spread "$out/j$i.nl") | $(spread "$out/j$i.node") | $(versus "$c" "$(median "$out/j$i.nl")") | $(versus "$c" "$(median "$out/j$i.node")") |"
  done
} | tee -a bench/results.md

# Spawn cost against the parent's resident memory: the fork() problem, drawn.
{
  echo "# MiB, then median min max for floor, childproc, node"
  for pair in "0:0" "256:1" "1024:2"; do
    mib=${pair%%:*}; i=${pair##*:}
    row="$mib"
    for who in floor cp node; do row="$row $(median "$out/$i.$who") $(lo "$out/$i.$who") $(hi "$out/$i.$who")"; done
    echo "$row"
  done
} >"$out/spawn.dat"
if command -v gnuplot >/dev/null; then
  gnuplot <<GP
set terminal pngcairo size 800,500 font ",11" noenhanced
set output "bench/spawn-vs-rss.png"
set title "spawn + exit of /bin/true vs the parent's resident memory"
set xlabel "parent resident memory (MiB)"
set ylabel "µs per spawn (median; bars: min to max of the rounds)"
set key top left
set grid
plot "$out/spawn.dat" using 1:2:3:4 with yerrorlines lw 2 title "raw C posix_spawn (floor)", \
     "$out/spawn.dat" using 1:5:6:7 with yerrorlines lw 2 title "childproc", \
     "$out/spawn.dat" using 1:8:9:10 with yerrorlines lw 2 title "Node 20 spawn"
GP
  echo "chart: bench/spawn-vs-rss.png" >&2
else
  echo "gnuplot is not installed: no chart (tools/dev.sh bench installs it)" >&2
fi
rm -rf "$out"
