// SPDX-License-Identifier: MIT
// The <svg> figure: a lane per process on a shared time axis. Every drawn thing
// carries a <title>, which the browser shows on hover.

#include <algorithm>
#include <cmath>
#include <map>

#include "timeline/markup.hpp"
#include "timeline/state.hpp"

namespace childproc::timeline {

namespace {

using diagnostics::Kind;
using markup::escape;
using markup::ms;
using markup::num;

constexpr double kLabelWidth = 320, kPlotWidth = 900, kTop = 28;

struct Geometry {
    double duration;
    double laneHeight;
    double x(double t) const { return kLabelWidth + t / duration * kPlotWidth; }
    double top(std::size_t lane) const { return kTop + static_cast<double>(lane) * laneHeight; }
    double mid(std::size_t lane) const { return top(lane) + laneHeight / 2; }
};

std::string joined(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
    return s;
}

std::string laneName(const Lane& lane) {
    if (lane.process == 0) return "this process" + (lane.pid ? " (pid " + std::to_string(*lane.pid) + ")" : "");
    std::string s;
    if (lane.worker) s += "worker " + std::to_string(lane.worker) + " · ";
    if (lane.stage >= 0) s += "stage " + std::to_string(lane.stage + 1) + " · ";
    s += lane.pid ? "pid " + std::to_string(*lane.pid) : "not started";
    // The label column holds about 44 characters; the whole argv is on hover.
    std::string argv = joined(lane.argv);
    const std::size_t room = s.size() < 40 ? 44 - s.size() : 4;
    if (argv.size() > room) argv = argv.substr(0, room - 1) + "…";
    return s + "  " + argv;
}

std::string laneDetails(const Lane& lane) {
    std::string s = laneName(lane);
    if (!lane.argv.empty()) s += "\nargv: " + joined(lane.argv);
    if (!lane.backend.empty()) s += "\nbackend: " + lane.backend;
    if (lane.spawnMs && lane.process) s += "\nspawn at " + ms(*lane.spawnMs);
    if (lane.exitMs)
        s += "\nexit at " + ms(*lane.exitMs) +
             (lane.signal.empty() ? " with code " + std::to_string(lane.code.value_or(0)) : " by " + lane.signal);
    if (lane.closeMs) s += "\nclose at " + ms(*lane.closeMs) + " (its pipes had drained)";
    if (!lane.error.empty()) s += "\nerror: " + lane.error;
    s += "\nstdout " + std::to_string(lane.bytesRead[1]) + " B, stderr " + std::to_string(lane.bytesRead[2]) +
         " B, stdin " + std::to_string(lane.bytesRead[0]) + " B";
    if (lane.messagesIn + lane.messagesOut)
        s += "\nIPC: " + std::to_string(lane.messagesOut) + " sent, " + std::to_string(lane.messagesIn) + " received";
    if (lane.connections) s += "\nconnections handed to it: " + std::to_string(lane.connections);
    return s;
}

std::string title(const std::string& text) { return "<title>" + escape(text) + "</title>"; }

std::string countText(const Mark& m) { return m.count > 1 ? " (" + std::to_string(m.count) + " merged)" : ""; }

// A tick's label: as many decimals as the step needs.
std::string tickLabel(double t, double step) {
    char b[32];
    if (step >= 1000) std::snprintf(b, sizeof b, "%g s", t / 1000);
    else std::snprintf(b, sizeof b, "%g ms", std::round(t / step) * step);
    return b;
}

void axis(std::string& svg, const Geometry& g, double height) {
    const double raw = g.duration / 7;  // about seven ticks: their labels never touch
    const double step = std::pow(10, std::floor(std::log10(raw)));
    const double nice = raw / step < 2 ? step : raw / step < 5 ? 2 * step : 5 * step;
    for (double t = 0; t <= g.duration + 1e-9; t += nice) {
        const std::string x = num(g.x(t));
        svg += "<line class=\"grid\" x1=\"" + x + "\" y1=\"" + num(kTop - 6) + "\" x2=\"" + x + "\" y2=\"" +
               num(height - 8) + "\"/>";
        svg += "<text class=\"axis\" x=\"" + x + "\" y=\"" + num(kTop - 10) + "\" text-anchor=\"middle\">" +
               escape(tickLabel(t, nice)) + "</text>";
    }
}

void life(std::string& svg, const Lane& lane, const Geometry& g, std::size_t i, double end) {
    const double y = g.top(i) + g.laneHeight * 0.2, h = g.laneHeight * 0.6;
    if (lane.process == 0) {
        svg += "<line class=\"self\" x1=\"" + num(g.x(0)) + "\" y1=\"" + num(g.mid(i)) + "\" x2=\"" + num(g.x(end)) +
               "\" y2=\"" + num(g.mid(i)) + "\"/>";
        return;
    }
    if (!lane.spawnMs) return;
    const double exit = lane.exitMs.value_or(lane.closeMs.value_or(end));
    svg += "<rect class=\"life\" x=\"" + num(g.x(*lane.spawnMs)) + "\" y=\"" + num(y) + "\" width=\"" +
           num(std::max(1.0, g.x(exit) - g.x(*lane.spawnMs))) + "\" height=\"" + num(h) + "\">" +
           title("running: spawn at " + ms(*lane.spawnMs) + ", exit at " + ms(exit)) + "</rect>";
    if (lane.exitMs && lane.closeMs)
        svg += "<rect class=\"drain\" x=\"" + num(g.x(*lane.exitMs)) + "\" y=\"" + num(y) + "\" width=\"" +
               num(std::max(1.0, g.x(*lane.closeMs) - g.x(*lane.exitMs))) + "\" height=\"" + num(h) + "\">" +
               title("exited, its pipes draining: 'close' at " + ms(*lane.closeMs)) + "</rect>";
}

void stdioMark(std::string& svg, const Mark& m, const Geometry& g, std::size_t i) {
    static const char* names[] = {"stdin", "stdout", "stderr"};
    const char* cls = m.kind == Kind::write ? "in" : m.fd == 2 ? "err" : "out";
    const double h = std::min(g.laneHeight * 0.45, 2 + std::log2(static_cast<double>(m.bytes) + 1) * 0.9);
    const double y = m.kind == Kind::write ? g.mid(i) : g.mid(i) - h;
    const std::string fd = m.fd >= 0 && m.fd < 3 ? names[m.fd] : "fd " + std::to_string(m.fd);
    svg += "<rect class=\"" + std::string(cls) + "\" x=\"" + num(g.x(m.ms)) + "\" y=\"" + num(y) + "\" width=\"" +
           num(std::max(1.5, g.x(m.lastMs) - g.x(m.ms))) + "\" height=\"" + num(h) + "\">" +
           title(fd + (m.kind == Kind::write ? ": we wrote " : ": read ") + std::to_string(m.bytes) + " bytes at " +
                 ms(m.ms) + countText(m)) +
           "</rect>";
}

void pointMark(std::string& svg, const Mark& m, const Geometry& g, std::size_t i) {
    const std::string x = num(g.x(m.ms)), y = num(g.mid(i));
    switch (m.kind) {
    case Kind::signal:
        svg += "<path class=\"signal\" d=\"M" + x + " " + num(g.top(i) + 1) + " l-5 -0 l5 8 l5 -8 z\">" +
               title("we sent " + m.name + " at " + ms(m.ms) + ": " + m.text) + "</path>";
        break;
    case Kind::error:
        svg += "<text class=\"error\" x=\"" + x + "\" y=\"" + num(g.mid(i) + 4) + "\" text-anchor=\"middle\">✕" +
               title("'error' " + m.name + ": " + m.text + " at " + ms(m.ms)) + "</text>";
        break;
    case Kind::listening:
        svg += "<circle class=\"listen\" cx=\"" + x + "\" cy=\"" + y + "\" r=\"4\">" +
               title("listening on " + m.text + " at " + ms(m.ms)) + "</circle>";
        break;
    case Kind::connection:
        svg += "<circle class=\"conn\" cx=\"" + x + "\" cy=\"" + y + "\" r=\"2.5\" data-count=\"" +
               std::to_string(m.count) + "\">" + title("a connection handed over at " + ms(m.ms) + countText(m)) +
               "</circle>";
        break;
    case Kind::reload:
        svg += "<path class=\"restart\" d=\"M" + x + " " + num(g.top(i)) + " v" + num(g.laneHeight) + "\">" +
               title("rolling reload " + m.name + " at " + ms(m.ms)) + "</path>";
        break;
    case Kind::stop:
        svg += "<path class=\"restart\" d=\"M" + x + " " + num(g.top(i)) + " v" + num(g.laneHeight) + "\">" +
               title("graceful stop (cluster.disconnect()) at " + ms(m.ms)) + "</path>";
        break;
    default: break;
    }
}

// An IPC message: an arrow between this process's lane and the child's.
void message(std::string& svg, const Mark& m, const Geometry& g, std::size_t i) {
    const std::string cls = std::string(m.internal ? "msg internal" : "msg") + (m.handle ? " handle" : "");
    const std::string what = std::string(m.kind == Kind::send ? "sent" : "received") + " " +
                             (m.internal ? "an internal (NODE_…) message" : "a message") + " of " +
                             std::to_string(m.bytes) + " bytes" + (m.handle ? ", with a handle," : "") + " at " +
                             ms(m.ms) + countText(m);
    const std::string count = std::to_string(m.count);
    if (i == 0) {  // our own channel to our parent: no lane of theirs here
        svg += "<circle class=\"" + cls + "\" data-count=\"" + count + "\" cx=\"" + num(g.x(m.ms)) + "\" cy=\"" +
               num(g.mid(0)) + "\" r=\"3\">" + title(what + " (our parent's channel)") + "</circle>";
        return;
    }
    const double from = m.kind == Kind::send ? g.mid(0) : g.mid(i), to = m.kind == Kind::send ? g.mid(i) : g.mid(0);
    svg += "<line class=\"" + cls + "\" data-count=\"" + count + "\" x1=\"" + num(g.x(m.ms)) + "\" y1=\"" + num(from) +
           "\" x2=\"" + num(g.x(m.ms)) + "\" y2=\"" + num(to + (to > from ? -3 : 3)) + "\" marker-end=\"url(#arrow" +
           (m.internal ? "-internal" : "") + ")\">" + title(what) + "</line>";
}

void links(std::string& svg, const std::vector<Lane>& lanes, const std::map<std::uint64_t, std::size_t>& row,
           const Geometry& g) {
    for (std::size_t i = 0; i < lanes.size(); ++i)
        for (const Mark& m : lanes[i].marks) {
            auto to = row.find(m.peer);
            if (to == row.end()) continue;
            if (m.kind == Kind::pipe) {
                const double x = kLabelWidth - 8;
                svg += "<path class=\"pipe\" d=\"M" + num(x - 4) + " " + num(g.mid(i)) + " h4 V" +
                       num(g.mid(to->second)) + " h-4\">" +
                       title("a kernel pipe: stage " + std::to_string(lanes[i].stage + 1) + "'s stdout is stage " +
                             std::to_string(lanes[to->second].stage + 1) + "'s stdin") +
                       "</path>";
            }
        }
    for (std::size_t i = 0; i < lanes.size(); ++i)
        for (const Mark& m : lanes[i].marks) {
            if (m.kind != Kind::restart) continue;
            auto from = row.find(m.peer);
            if (from == row.end()) continue;
            const Lane& dead = lanes[from->second];
            const double x0 = g.x(dead.exitMs.value_or(m.ms));
            svg += "<path class=\"restart\" d=\"M" + num(x0) + " " + num(g.mid(from->second)) + " L" + num(g.x(m.ms)) +
                   " " + num(g.mid(i)) + "\">" + title("restarted: this worker replaces that one") + "</path>";
        }
}

}  // namespace

std::string Recording::figure() const {
    const std::vector<Lane> lanes = this->lanes();
    const double end = std::max(durationMs(), 0.001);
    // Lanes fold past 40: thinner, the labels smaller, every detail still on hover.
    const Geometry g{end * 1.02, lanes.size() > 40 ? 12.0 : 30.0};
    const double height = g.top(lanes.size()) + 12;
    std::map<std::uint64_t, std::size_t> row;
    for (std::size_t i = 0; i < lanes.size(); ++i) row[lanes[i].process] = i;

    std::string svg = "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                      num(kLabelWidth + kPlotWidth + 20) + " " + num(height) + "\" width=\"" +
                      num(kLabelWidth + kPlotWidth + 20) + "\" data-lanes=\"" + std::to_string(lanes.size()) +
                      "\" role=\"img\" aria-label=\"a timeline of " + std::to_string(lanes.size()) + " processes\">";
    svg +=
        "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" "
        "orient=\"auto\"><path class=\"msg\" d=\"M0 0 L8 4 L0 8 z\"/></marker>"
        "<marker id=\"arrow-internal\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"7\" "
        "markerHeight=\"7\" orient=\"auto\"><path class=\"msg internal\" d=\"M0 0 L8 4 L0 8 z\"/></marker></defs>";
    axis(svg, g, height);
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        const Lane& lane = lanes[i];
        svg += "<g class=\"lane\" data-process=\"" + std::to_string(lane.process) + "\" data-pid=\"" +
               (lane.pid ? std::to_string(*lane.pid) : "") + "\">" + title(laneDetails(lane));
        svg += "<rect class=\"band\" x=\"0\" y=\"" + num(g.top(i)) + "\" width=\"" +
               num(kLabelWidth + kPlotWidth + 20) + "\" height=\"" + num(g.laneHeight) + "\"/>";
        svg += "<text class=\"label\" x=\"4\" y=\"" + num(g.mid(i) + 4) + "\"" +
               (g.laneHeight < 20 ? " font-size=\"9\"" : "") + ">" + escape(laneName(lane)) + "</text>";
        life(svg, lane, g, i, end);
        for (const Mark& m : lane.marks) {
            if (m.kind == Kind::read || m.kind == Kind::write) stdioMark(svg, m, g, i);
            else if (m.kind == Kind::send || m.kind == Kind::message) message(svg, m, g, i);
            else pointMark(svg, m, g, i);
        }
        svg += "</g>";
    }
    links(svg, lanes, row, g);
    svg += "</svg>";
    return svg +
           "<div class=\"legend\"><span><i class=\"life\" style=\"background:var(--life)\"></i>running</span>"
           "<span><i style=\"background:var(--drain)\"></i>exited, pipes draining until 'close'</span>"
           "<span><i style=\"background:var(--out)\"></i>stdout bytes</span>"
           "<span><i style=\"background:var(--err)\"></i>stderr bytes</span>"
           "<span><i style=\"background:var(--in)\"></i>bytes we wrote to stdin</span>"
           "<span><i style=\"background:var(--msg)\"></i>IPC message</span>"
           "<span><i style=\"background:var(--internal)\"></i>Node's internal message</span>"
           "<span><i style=\"background:var(--signal)\"></i>signal we sent, error</span>"
           "<span><i style=\"background:var(--pipe)\"></i>pipe between stages</span>"
           "<span><i style=\"background:var(--conn)\"></i>listening, connection handed over</span></div>";
}

}  // namespace childproc::timeline
