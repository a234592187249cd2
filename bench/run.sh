#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Side-by-side benchmarks: childproc, Node 20, Boost.Process v2, Python's subprocess
# and a raw C floor, in interleaved rounds (so drift hits them all alike), reported
# as medians and ratios; then the scale rows (N children alive at once) and the
# cost of the headers.
#   bash bench/run.sh [ROUNDS]      (default 5; README: "bash tools/dev.sh bench")
# Writes bench/results.md (the tables) and bench/spawn-vs-rss.png (gnuplot).
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
boost=$build/bench/bench_boost
python="python3 bench/python_bench.py"
out=$(mktemp -d)
declare -A command=([floor]=$floor [cp]=$cp [node]=$node [boost]=$boost [python]=$python)

# name | unit | better (low/high) | floor args | childproc args | node args [| boost args | python args]
# ("-": that peer has no such row)
cases=(
  "spawn, 0 MiB resident|µs|low|spawn 0 300|spawn 0 300|spawn 0 300|spawn 0 300|spawn 0 300"
  "spawn, 256 MiB resident|µs|low|spawn 256 200|spawn 256 200|spawn 256 200|spawn 256 100|spawn 256 200"
  "spawn, 1 GiB resident|µs|low|spawn 1024 100|spawn 1024 100|spawn 1024 100|spawn 1024 30|spawn 1024 100"
  "32 in flight|spawns/s|high|inflight 2000|inflight 2000|inflight 2000|inflight 2000|inflight 2000"
  "stdout throughput, 1 GiB|GB/s|high|throughput $writer 1073741824|throughput $writer 1073741824|throughput $writer 1073741824"
  "exec capture 100 MiB (buffer)|ms|low|capture $writer 104857600|capture $writer 104857600|capture $writer 104857600|capture $writer 104857600|capture $writer 104857600"
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

[ -x "$boost" ] || echo "no Boost.Process (libboost1.81-dev, libboost-filesystem1.81-dev): its column stays empty" >&2
# The figure (and the peak RSS, where a mode prints it) of one peer's run of case i.
measure() {
  local i=$1 p=$2 args=$3
  [ -n "$args" ] && [ "$args" != - ] || return 0
  [ "$p" != boost ] || [ -x "$boost" ] || return 0
  ${command[$p]} $args >"$out/tmp" || { echo "$p $args failed" >&2; return 0; }
  awk '{print $1}' "$out/tmp" >>"$out/$i.$p"
  awk 'NF>1{print $2}' "$out/tmp" >>"$out/$i.$p.rss"
}
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds" >&2
  for i in "${!cases[@]}"; do
    IFS='|' read -r name unit better fargs cargs nargs bargs pargs <<<"${cases[$i]}"
    measure "$i" floor "$fargs"; measure "$i" cp "$cargs"; measure "$i" node "$nargs"
    measure "$i" boost "$bargs"; measure "$i" python "$pargs"
  done
done

median() { [ -s "$1" ] && sort -g "$1" | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}' || echo -; }
lo() { [ -s "$1" ] && sort -g "$1" | head -1 || echo -; }
hi() { [ -s "$1" ] && sort -g "$1" | tail -1 || echo -; }
# "median (min–max)": the spread of the rounds beside each median.
spread() { [ -s "$1" ] && echo "$(median "$1") ($(lo "$1")–$(hi "$1"))" || echo -; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="-"||b=="-"||b==0) print "-"; else printf "%.2f×", a/b }'; }
declare -A label=([node]="Node" [boost]="Boost" [python]="Python")
# The best of the peers a user would pick instead, for case i: "peer median".
bestPeer() {
  local i=$1 better=$2 p m
  for p in node boost python; do
    m=$(median "$out/$i.$p")
    [ "$m" = - ] || echo "$p $m"
  done | if [ "$better" = low ]; then sort -g -k2; else sort -g -r -k2; fi | head -1
}
# How many times better childproc is (a/b), or worse when below 1.
versus() {
  awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="-"||b=="-"||a==0||b==0) print "-"; else if (a>=b) printf "%.2f× better", a/b; else printf "%.2f× worse", b/a }'
}

{
  echo "Medians of $rounds interleaved rounds on $(nproc) CPUs, $(date -u +%Y-%m-%d), with (min–max). Node $(node --version),"
  echo "libuv $(pkg-config --modversion libuv), Boost $(dpkg-query -W -f='${Version}' libboost1.81-dev 2>/dev/null || echo -) (Boost.Process v2, its default"
  echo "launcher: fork + exec), $(python3 --version) (subprocess). \"vs best peer\": how many times better childproc is than"
  echo "the best of Node, Boost.Process and Python on that row, and which one that was."
  echo
  echo "| measure | unit | raw C floor | childproc | Node 20 | Boost.Process v2 | Python subprocess | childproc / floor | vs best peer |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for i in "${!cases[@]}"; do
    IFS='|' read -r name unit better _ <<<"${cases[$i]}"
    f=$(median "$out/$i.floor"); c=$(median "$out/$i.cp")
    read -r bp bm <<<"$(bestPeer "$i" "$better")"
    # "vs best peer" reads as how many times better childproc is.
    if [ "$better" = low ]; then vs=$(versus "$bm" "$c"); else vs=$(versus "$c" "$bm"); fi
    echo "| $name | $unit | $(spread "$out/$i.floor") | $(spread "$out/$i.cp") | $(spread "$out/$i.node") | $(spread "$out/$i.boost") | $(spread "$out/$i.python") | $(ratio "$c" "$f") | $vs (${label[$bp]:-}) |"
    if [ -s "$out/$i.cp.rss" ]; then
      read -r rp rm <<<"$(for p in node boost python; do m=$(median "$out/$i.$p.rss"); [ "$m" = - ] || echo "$p $m"; done | sort -g -k2 | head -1)"
      echo "| $name: peak RSS | MiB | $(spread "$out/$i.floor.rss") | $(spread "$out/$i.cp.rss") | $(spread "$out/$i.node.rss") | $(spread "$out/$i.boost.rss") | $(spread "$out/$i.python.rss") | $(ratio "$(median "$out/$i.cp.rss")" "$(median "$out/$i.floor.rss")") | $(versus "$rm" "$(median "$out/$i.cp.rss")") (${label[$rp]:-}) |"
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

# Scale: N `sleep` children alive at once, with stdout and stderr piped (what a
# supervisor or a build tool holds), in 3 interleaved rounds. The soft fd limit is
# raised to the hard one; a row that needs more fds than that is run with stdio
# ignored instead, and says so.
ulimit -n "$(ulimit -Hn)"
scales=("1000 2" "3000 2")
if [ "$(ulimit -n)" -ge 31000 ]; then scales+=("10000 2"); else scales+=("10000 0"); fi
for r in 1 2 3; do
  echo "scale round $r/3" >&2
  for s in "${scales[@]}"; do
    for p in floor cp node python; do
      ${command[$p]} scale $s >>"$out/scale.${s// /-}.$p" || echo "$p scale $s failed" >&2
    done
    $floor scale $s 1 >>"$out/scale.${s// /-}.floorpid" || echo "floor scale $s 1 failed" >&2
  done
done
# Column k (1: start ms, 2: reap ms, 3: KiB per child, 4: fds per child, 5: µs per
# spawn, first 10, 6: last 10) of a peer's scale runs.
col() { [ -s "$1" ] && awk -v k="$2" '{print $k}' "$1" >"$out/col" && spread "$out/col" || echo -; }
colMedian() { [ -s "$1" ] && awk -v k="$2" '{print $k}' "$1" >"$out/col" && median "$out/col" || echo -; }
{
  echo
  echo "Scale: N \`sleep\` children alive at once (medians of 3 rounds, with (min–max)); the soft fd limit raised to"
  echo "the hard one ($(ulimit -n)). Start: the N spawn calls; reap: SIGKILL to all, then until every one is"
  echo "reaped and its pipes closed. Per child: the parent's RSS and fds while all are alive. µs per spawn: the"
  echo "first 10 and the last 10 spawns, to see what grows with the number alive. The second floor holds a pidfd"
  echo "per child, as childproc's posix_spawn and vfork backends do (what safety from reused pids costs)."
  echo
  echo "| N, stdio | measure | raw C floor | C floor + pidfd | childproc | Node 20 | Python subprocess | childproc / floor + pidfd | childproc / floor |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for s in "${scales[@]}"; do
    read -r n piped <<<"$s"
    what="$n, $([ "$piped" = 2 ] && echo "stdout+stderr piped" || echo "stdio ignored (the fd limit is below 3 per child)")"
    f="$out/scale.${s// /-}"
    k=1
    for m in "start N (ms)" "kill and reap N (ms)" "parent KiB per child" "parent fds per child" \
             "µs per spawn, first 10" "µs per spawn, last 10"; do
      echo "| $what | $m | $(col "$f.floor" $k) | $(col "$f.floorpid" $k) | $(col "$f.cp" $k) | $(col "$f.node" $k) |" \
           "$(col "$f.python" $k) | $(ratio "$(colMedian "$f.cp" $k)" "$(colMedian "$f.floorpid" $k)") |" \
           "$(ratio "$(colMedian "$f.cp" $k)" "$(colMedian "$f.floor" $k)") |"
      k=$((k + 1))
    done
  done
} | tee -a bench/results.md

# What including the headers costs a translation unit (-O0 -c, median of 3), beside
# Boost.Process v2's.
hdr() {
  local TIMEFORMAT=%R
  { time c++ -std=c++20 -O0 -Iinclude -I"$build/include" -x c++ -c -o /dev/null - <<<"#include <$1>
int main() {}" >/dev/null 2>&1; } 2>&1
}
{
  echo
  echo "Header cost: seconds to compile a file that includes only this header (g++ -std=c++20 -O0 -c, median of 3):"
  echo
  echo "| header | seconds |"
  echo "|---|---|"
  for h in childproc/spawn.hpp childproc/childproc.hpp boost/process/v2.hpp; do
    for r in 1 2 3; do hdr "$h"; done >"$out/hdr"
    echo "| \`$h\` | $(spread "$out/hdr") |"
  done
} | tee -a bench/results.md

# Spawn cost against the parent's resident memory: the fork() problem, drawn.
{
  echo "# MiB, then median min max for floor, childproc, node, boost, python"
  for pair in "0:0" "256:1" "1024:2"; do
    mib=${pair%%:*}; i=${pair##*:}
    row="$mib"
    for who in floor cp node boost python; do
      m=$(median "$out/$i.$who"); [ "$m" = - ] && m=NaN
      row="$row $m $(lo "$out/$i.$who" | sed 's/^-$/NaN/') $(hi "$out/$i.$who" | sed 's/^-$/NaN/')"
    done
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
set logscale y
set key top left
set grid
plot "$out/spawn.dat" using 1:2:3:4 with yerrorlines lw 2 title "raw C posix_spawn (floor)", \
     "$out/spawn.dat" using 1:5:6:7 with yerrorlines lw 2 title "childproc", \
     "$out/spawn.dat" using 1:8:9:10 with yerrorlines lw 2 title "Node 20 spawn", \
     "$out/spawn.dat" using 1:11:12:13 with yerrorlines lw 2 title "Boost.Process v2 (fork)", \
     "$out/spawn.dat" using 1:14:15:16 with yerrorlines lw 2 title "Python subprocess"
GP
  echo "chart: bench/spawn-vs-rss.png" >&2
else
  echo "gnuplot is not installed: no chart (tools/dev.sh bench installs it)" >&2
fi
rm -rf "$out"
