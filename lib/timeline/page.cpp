// SPDX-License-Identifier: MIT
// The whole page: the figure, then one row per process and the events in order.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "childproc/error.hpp"
#include "timeline/markup.hpp"
#include "timeline/state.hpp"

namespace childproc::timeline {

namespace {

using markup::escape;
using markup::ms;

constexpr std::size_t kTableRows = 2000;

std::string cell(const std::string& text) { return "<td>" + escape(text) + "</td>"; }

std::string laneRow(const Lane& lane) {
    std::string argv;
    for (const auto& a : lane.argv) argv += (argv.empty() ? "" : " ") + a;
    std::string end = lane.signal.empty() ? (lane.code ? "code " + std::to_string(*lane.code) : "") : lane.signal;
    return "<tr>" + cell(lane.process ? std::to_string(lane.process) : "this process") +
           cell(lane.pid ? std::to_string(*lane.pid) : "") + cell(argv) +
           cell(lane.spawnMs && lane.process ? ms(*lane.spawnMs) : "") + cell(lane.exitMs ? ms(*lane.exitMs) : "") +
           cell(lane.closeMs ? ms(*lane.closeMs) : "") + cell(end) + cell(std::to_string(lane.bytesRead[1])) +
           cell(std::to_string(lane.bytesRead[2])) +
           cell(std::to_string(lane.messagesOut) + " / " + std::to_string(lane.messagesIn)) + "</tr>";
}

std::string events(const std::vector<Lane>& lanes) {
    struct Row {
        double ms;
        std::uint64_t process;
        const Mark* mark;
    };
    std::vector<Row> rows;
    for (const Lane& lane : lanes)
        for (const Mark& m : lane.marks) rows.push_back({m.ms, lane.process, &m});
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ms < b.ms; });
    std::string html =
        "<table><tr><th>time</th><th>process</th><th>event</th><th>fd</th><th>bytes</th>"
        "<th>count</th><th>detail</th></tr>";
    for (std::size_t i = 0; i < rows.size() && i < kTableRows; ++i) {
        const Mark& m = *rows[i].mark;
        html += "<tr>" + cell(ms(m.ms)) + cell(std::to_string(rows[i].process)) +
                cell(std::string(diagnostics::kindName(m.kind))) + cell(m.fd >= 0 ? std::to_string(m.fd) : "") +
                cell(m.bytes ? std::to_string(m.bytes) : "") + cell(std::to_string(m.count)) +
                cell(m.name + (m.name.empty() || m.text.empty() ? "" : ": ") + m.text) + "</tr>";
    }
    html += "</table>";
    if (rows.size() > kTableRows)
        html += "<p>… and " + std::to_string(rows.size() - kTableRows) + " more (the figure has them all).</p>";
    return html;
}

}  // namespace

std::string Recording::html(const PageOptions& page) const {
    const std::vector<Lane> lanes = this->lanes();
    std::string html =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"color-scheme\" content=\"light dark\"><title>" +
        escape(page.title) + "</title><style>" + pageStyle() + "</style></head><body>\n<h1>" + escape(page.title) +
        "</h1>\n";
    if (!page.caption.empty()) html += "<p class=\"caption\">" + escape(page.caption) + "</p>\n";
    html += figure() + "\n";
    const std::size_t dropped = droppedLanes();
    if (dropped) html += "<p>" + std::to_string(dropped) + " more processes were not recorded (maxLanes).</p>";
    html +=
        "<h2>Processes</h2><table><tr><th>id</th><th>pid</th><th>argv</th><th>spawn</th><th>exit</th>"
        "<th>close</th><th>ended</th><th>stdout B</th><th>stderr B</th><th>IPC out / in</th></tr>";
    for (const Lane& lane : lanes) html += laneRow(lane);
    html += "</table>\n<details><summary>Every event</summary>" + events(lanes) + "</details>\n</body></html>\n";
    return html;
}

void Recording::writeHtml(const std::string& path, const PageOptions& page) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (out) out << html(page);
    if (!out.flush()) {
        const int err = errno;
        throw Error("cannot write the timeline to \"" + path + "\": " + std::strerror(err), "ERR_TIMELINE_WRITE");
    }
}

}  // namespace childproc::timeline
