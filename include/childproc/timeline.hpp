// SPDX-License-Identifier: MIT
#pragma once
// A picture of a run: a Recording subscribes to every diagnostics channel
// (childproc/diagnostics.hpp) and keeps what happened, bounded; html() draws it
// as one self-contained page (inline SVG and CSS, nothing fetched): a lane per
// process from spawn to exit to close, its stdio bytes over time, signals,
// IPC messages as arrows between lanes, pipeline stages joined, cluster
// workers with their connections. Beyond Node, which has no such view.
//
//   childproc::timeline::Recording rec;
//   ... run children ...
//   rec.writeHtml("run.html");

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "childproc/diagnostics.hpp"
#include "childproc/export.hpp"

namespace childproc::timeline {

struct RecordingOptions {
    // Per lane, the marks kept one by one (stdio chunks, messages, connections);
    // past it neighbours merge, each mark then counting several.
    std::size_t maxMarksPerLane = 2000;
    // Lanes kept; later processes are counted, not drawn.
    std::size_t maxLanes = 2000;
};

// One happening on a lane, or several merged (count > 1).
struct Mark {
    diagnostics::Kind kind{};
    double ms = 0;      // from the recording's start
    double lastMs = 0;  // the last merged one's time
    int fd = -1;
    std::uint64_t bytes = 0;
    std::uint64_t count = 1;
    std::uint64_t peer = 0;  // the other lane's process
    bool internal = false;   // an IPC message of Node's own (NODE_…)
    bool handle = false;     // an IPC message that carried a handle (a socket, a server)
    std::string name;
    std::string text;
};

// One process: the diagnostics id's life, or lane 0, this process.
struct Lane {
    std::uint64_t process = 0;
    std::optional<int> pid;
    std::vector<std::string> argv;
    std::string backend;
    std::optional<double> spawnMs, exitMs, closeMs;
    std::optional<int> code;
    std::string signal;
    std::string error;
    int worker = 0;  // a cluster worker's id
    int stage = -1;  // a pipeline stage's index
    std::uint64_t firstStage = 0;
    std::uint64_t bytesRead[3] = {0, 0, 0};  // per fd 0..2 (0: written to stdin)
    std::uint64_t messagesIn = 0, messagesOut = 0, connections = 0;
    std::vector<Mark> marks;
};

class CHILDPROC_EXPORT Recording {
public:
    explicit Recording(RecordingOptions options = {});
    Recording(const Recording&) = delete;
    Recording& operator=(const Recording&) = delete;
    ~Recording();

    // Stop listening; what was recorded stays.
    void stop();
    // A copy of the lanes so far (lane 0 first: this process). Thread-safe.
    std::vector<Lane> lanes() const;
    std::size_t droppedLanes() const;
    double durationMs() const;

    struct PageOptions {
        std::string title = "childproc timeline";
        std::string caption;  // a line under the title
    };
    // The page, whole: <svg> and its legend, then a table of the events.
    std::string html(const PageOptions& page) const;
    std::string html() const { return html(PageOptions{}); }
    // The page, written to `path`; throws an Error naming the path on failure.
    void writeHtml(const std::string& path, const PageOptions& page) const;
    void writeHtml(const std::string& path) const { writeHtml(path, PageOptions{}); }
    // Only the <svg> figure and its legend, to put in a page of one's own.
    std::string figure() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

// The page's <style>: the colours (light and dark, as the browser prefers) and
// the lanes' layout; figure() needs it.
CHILDPROC_EXPORT const char* pageStyle();

}  // namespace childproc::timeline
