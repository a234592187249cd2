// SPDX-License-Identifier: MIT
// The recorder: each event becomes a lane's field or a mark on it. Marks that
// come in floods (stdio chunks, messages, connections) are bounded per lane by
// merging neighbours, so a million messages cost a few thousand marks.

#include <unistd.h>
#include <algorithm>
#include <utility>

#include "childproc/child_process.hpp"
#include "timeline/state.hpp"

namespace childproc::timeline {

namespace {

using diagnostics::Kind;

Lane* laneFor(Recording::State& s, std::uint64_t process) {
    if (auto it = s.at.find(process); it != s.at.end())
        return it->second < s.lanes.size() ? &s.lanes[it->second] : nullptr;
    if (s.lanes.size() >= s.options.maxLanes) {
        ++s.dropped;
        s.at.emplace(process, SIZE_MAX);
        return nullptr;
    }
    s.at.emplace(process, s.lanes.size());
    s.lanes.emplace_back().process = process;
    return &s.lanes.back();
}

// Marks of one key merge with each other, whatever lies between them: a round
// trip alternates sends and messages, and must thin as well as a one-way flood.
bool sameKey(const Mark& a, const Mark& b, bool withName) {
    return a.kind == b.kind && a.fd == b.fd && a.peer == b.peer && a.internal == b.internal && a.handle == b.handle &&
           (!withName || a.name == b.name);
}

// Halve the marks: each mark merges into the one before it of the same key, which
// keeps its place in time. Past `cap` still (names of many kinds), names are ignored.
// A lane has few keys at once, so the marks awaiting a pair are a short list.
void thin(std::vector<Mark>& marks, std::size_t cap) {
    for (bool withName : {true, false}) {
        std::vector<Mark> out;
        out.reserve(marks.size() / 2 + 16);
        std::vector<std::size_t> open;  // marks in `out` awaiting their pair
        for (Mark& m : marks) {
            auto it =
                std::find_if(open.begin(), open.end(), [&](std::size_t i) { return sameKey(out[i], m, withName); });
            if (it == open.end()) {
                open.push_back(out.size());
                out.push_back(std::move(m));
                continue;
            }
            Mark& into = out[*it];
            into.bytes += m.bytes;
            into.count += m.count;
            into.lastMs = std::max(into.lastMs, m.lastMs);
            open.erase(it);
        }
        marks = std::move(out);
        if (marks.size() <= cap / 2 + 16) return;
    }
}

void addMark(Recording::State& s, Lane& lane, Mark m) {
    m.lastMs = m.ms;
    lane.marks.push_back(std::move(m));
    if (lane.marks.size() > s.options.maxMarksPerLane) thin(lane.marks, s.options.maxMarksPerLane);
}

// Within this many ms of the last alike mark, a flood's event joins it: finer than
// a pixel on the figure of any run over 20 ms, and the cost of a recorded message
// is then a comparison and an addition.
constexpr double kJoinWithinMs = 0.02;

bool absorbed(Lane& lane, const diagnostics::Event& e, double ms) {
    if (lane.marks.empty()) return false;
    Mark& last = lane.marks.back();
    const bool flood = e.kind == Kind::read || e.kind == Kind::write || e.kind == Kind::send ||
                       e.kind == Kind::message || e.kind == Kind::connection;
    if (!flood || last.kind != e.kind || last.fd != e.fd || last.peer != e.peer || ms - last.lastMs > kJoinWithinMs)
        return false;
    const bool message = e.kind == Kind::send || e.kind == Kind::message;
    if (message && (last.internal != e.ok || last.handle != !e.name.empty())) return false;
    if (e.fd >= 0 && e.fd < 3 && !message) lane.bytesRead[e.fd] += e.bytes;
    if (message) ++(e.kind == Kind::send ? lane.messagesOut : lane.messagesIn);
    if (e.kind == Kind::connection) ++lane.connections;
    last.bytes += e.bytes;
    ++last.count;
    last.lastMs = ms;
    return true;
}

void recordLife(Lane& lane, const diagnostics::Event& e, double ms) {
    switch (e.kind) {
    case Kind::spawn:
        lane.spawnMs = ms;
        lane.argv.assign(e.argv.begin(), e.argv.end());
        lane.backend = e.name;
        break;
    case Kind::exit:
        lane.exitMs = ms;
        lane.code = e.code;
        lane.signal = e.name;
        break;
    case Kind::close:
        lane.closeMs = ms;
        if (!lane.exitMs) lane.code = e.code;  // never ran: close carries the errno
        break;
    default: break;
    }
}

}  // namespace

void Recording::State::record(const diagnostics::Event& e) {
    const double ms = std::chrono::duration<double, std::milli>(e.time - start).count();
    std::lock_guard lock(mutex);
    lastMs = std::max(lastMs, ms);
    Lane* lane = laneFor(*this, e.process);
    if (!lane) return;
    if (e.pid) lane->pid = e.pid;
    // A child that never started has no spawn event: its argv is still worth a label.
    if (lane->argv.empty() && e.child) lane->argv = e.child->spawnargs();
    if (absorbed(*lane, e, ms)) return;
    Mark m;
    m.kind = e.kind;
    m.ms = ms;
    m.fd = e.fd;
    m.bytes = e.bytes;
    m.peer = e.peer;
    switch (e.kind) {
    case Kind::spawn:
    case Kind::exit:
    case Kind::close: recordLife(*lane, e, ms); return;
    case Kind::error:
        lane->error = std::string(e.text);
        m.name = e.name;
        m.text = e.text;
        break;
    case Kind::signal:
        m.name = e.name;
        m.text = e.ok ? "delivered" : "not delivered";
        break;
    case Kind::open: return;
    case Kind::read:
    case Kind::write:
        if (e.fd >= 0 && e.fd < 3) lane->bytesRead[e.fd] += e.bytes;
        break;
    case Kind::send:
    case Kind::message:
        ++(e.kind == Kind::send ? lane->messagesOut : lane->messagesIn);
        m.internal = e.ok;
        m.handle = !e.name.empty();
        break;
    case Kind::stage:
        lane->stage = e.number;
        lane->firstStage = e.peer;
        return;
    case Kind::fork: lane->worker = e.number; return;
    case Kind::connection: ++lane->connections; break;
    case Kind::listening:
    case Kind::workerExit:
    case Kind::reload:
    case Kind::stop:
        m.name = e.name;
        m.text = e.text;
        break;
    default: break;
    }
    addMark(*this, *lane, std::move(m));
}

Recording::Recording(RecordingOptions options) : state_(std::make_shared<State>()) {
    state_->options = options;
    laneFor(*state_, 0);
    Lane& self = state_->lanes.front();
    self.pid = static_cast<int>(::getpid());
    self.spawnMs = 0;
    // A weak reference: events racing with our destruction on another loop's thread find nothing.
    std::weak_ptr<State> weak = state_;
    state_->subscription = diagnostics::subscribe("childproc", [weak](const diagnostics::Event& e) {
        if (auto s = weak.lock()) s->record(e);
    });
}

Recording::~Recording() { stop(); }

void Recording::stop() {
    if (state_->subscription) diagnostics::unsubscribe(std::exchange(state_->subscription, 0));
}

std::vector<Lane> Recording::lanes() const {
    std::lock_guard lock(state_->mutex);
    return state_->lanes;
}

std::size_t Recording::droppedLanes() const {
    std::lock_guard lock(state_->mutex);
    return state_->dropped;
}

double Recording::durationMs() const {
    std::lock_guard lock(state_->mutex);
    return state_->lastMs;
}

}  // namespace childproc::timeline
