// SPDX-License-Identifier: MIT
#pragma once
// One run of a command or pipeline on a loop: the stages joined by kernel pipes,
// their output captured (or handed to a line reader), the timeout and stop token
// turned into a kill of each stage's process group, and a bounded wait for output
// once the stages are dead.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <uv.h>

#include "childproc/child_process.hpp"
#include "childproc/script.hpp"
#include "core/timer.hpp"
#include "exec/capture.hpp"

namespace childproc::script::detail {

class Run {
public:
    using Done = std::function<void(Result)>;
    using Sink = std::function<void(std::string_view)>;

    // Starts every stage on `loop`; `done` gets the result once all have closed.
    // A sink takes the last stage's stdout in place of the capture.
    static std::shared_ptr<Run> start(const Cmd& cmd, uv_loop_t* loop, Done done, Sink sink = {});

    // Back-pressure for the sink: the last stage's stdout stops being read.
    void pauseOutput();
    void resumeOutput();
    // Kill the command as a timeout does, with sig (its reader left early).
    void stop(Signal sig);
    Signal killSignal() const { return spec_.settings.killSignal; }
    bool finished() const { return finished_; }

private:
    Run(const Cmd& cmd, uv_loop_t* loop, Done done, Sink sink);
    void spawnStages();
    void listen(std::size_t i);
    void output(std::string_view chunk, bool isStdout);
    void terminate(Signal sig);
    void stageEnded();
    void drain();
    void finish();

    Cmd::Spec spec_;
    uv_loop_t* loop_;
    Done done_;
    Sink sink_;
    Result result_;
    std::chrono::steady_clock::time_point began_;
    std::vector<ChildProcessPtr> stages_;
    std::vector<StageReport> reports_;
    ::childproc::detail::Capture out_, err_, all_;
    std::size_t ended_ = 0;   // stages that exited or never started
    std::size_t closed_ = 0;  // stages whose stdio closed
    bool killing_ = false;
    bool finished_ = false;
    ::childproc::detail::Timer timeout_, forceKill_, drain_;
    std::shared_ptr<Run> self_;  // alive until every stage has closed
};

}  // namespace childproc::script::detail
