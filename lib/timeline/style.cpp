// SPDX-License-Identifier: MIT
// The page's colours and layout: light and dark, as the browser prefers.

#include "childproc/timeline.hpp"

namespace childproc::timeline {

const char* pageStyle() {
    return R"css(
:root { --bg: #ffffff; --fg: #1d1f24; --muted: #6b7280; --grid: #e5e7eb; --life: #93c5fd; --drain: #dbeafe;
  --out: #2563eb; --err: #ea580c; --in: #059669; --msg: #7c3aed; --internal: #a1a1aa; --signal: #dc2626;
  --pipe: #0d9488; --conn: #ca8a04; --self: #9ca3af; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111318; --fg: #e5e7eb; --muted: #9ca3af; --grid: #2a2f3a; --life: #1e40af; --drain: #1e293b;
    --out: #60a5fa; --err: #fb923c; --in: #34d399; --msg: #c4b5fd; --internal: #71717a; --signal: #f87171;
    --pipe: #2dd4bf; --conn: #facc15; --self: #6b7280; }
}
body { background: var(--bg); color: var(--fg); font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; }
h1 { font-size: 1.3em; margin: 0 0 .2em; } h2 { font-size: 1.1em; margin: 1.6em 0 .3em; }
p.caption { color: var(--muted); margin: 0 0 1em; }
svg.timeline { display: block; max-width: 100%; height: auto; font: 11px ui-monospace, monospace; }
svg.timeline text { fill: var(--fg); } svg.timeline text.axis { fill: var(--muted); }
.grid { stroke: var(--grid); } .life { fill: var(--life); } .drain { fill: var(--drain); }
.self { stroke: var(--self); stroke-dasharray: 4 3; }
.out { fill: var(--out); } .err { fill: var(--err); } .in { fill: var(--in); }
.msg { stroke: var(--msg); fill: var(--msg); stroke-width: 1.4; } .msg.internal { stroke: var(--internal); fill: var(--internal); }
.msg.handle { stroke-width: 3; }
.signal { fill: var(--signal); } .error { fill: var(--signal); font-weight: bold; }
.pipe { stroke: var(--pipe); stroke-width: 2; fill: none; } .conn, .listen { fill: var(--conn); }
.restart { stroke: var(--signal); stroke-dasharray: 3 3; fill: none; }
g.lane:hover rect.band { fill: var(--grid); }
rect.band { fill: transparent; }
.legend { display: flex; flex-wrap: wrap; gap: .3em 1.2em; color: var(--muted); margin: .4em 0 1em; font-size: 12px; }
.legend i { display: inline-block; width: 14px; height: 10px; margin-right: .35em; vertical-align: -1px; }
table { border-collapse: collapse; font-size: 12px; } td, th { padding: 2px 10px 2px 0; text-align: left; }
th { color: var(--muted); font-weight: normal; } details { margin-top: 1em; }
pre.code { background: var(--grid); padding: .6em .8em; border-radius: 4px; overflow-x: auto; }
)css";
}

}  // namespace childproc::timeline
