// SPDX-License-Identifier: MIT
#pragma once
// Pipelines without a shell (beyond Node): a | b | c with kernel pipes between the
// children, so no byte passes through the parent. Every stage's status is
// reported, and the pipeline fails as `set -o pipefail` would.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "childproc/child_process.hpp"
#include "childproc/exec.hpp"
#include "childproc/export.hpp"

namespace childproc {

struct Command {
    std::string file;
    std::vector<std::string> args;
};

struct PipelineOptions {
    std::optional<std::string> cwd;
    std::optional<Env> env;
    std::chrono::milliseconds timeout{0};  // kills every stage still running
    Signal killSignal = SIGTERM;
    std::size_t maxBuffer = 1024 * 1024;  // buffered forms: the last stage's stdout
    Encoding encoding = Encoding::buffer;
    std::optional<std::string> input;  // written to the first stage's stdin, then EOF
    // execPipeline without input: false ends the first stage's stdin at once; true
    // leaves it to the caller, who writes stdinPipe() and ends it (the CLI's stdin).
    bool writeStdin = false;
    std::stop_token signal;
    uv_loop_t* loop = nullptr;
    Backend backend = Backend::automatic;
};

struct StageStatus {
    std::string cmd;  // "file arg arg"
    std::optional<int> pid;
    std::optional<int> code;
    std::optional<std::string> signal;
    std::optional<Error> error;  // the stage could not start
    std::string stderrData;      // each stage's stderr is captured
    bool ok() const { return !error && !signal && code == 0; }
};

class CHILDPROC_EXPORT Pipeline {
public:
    using CloseListener = std::function<void(const std::vector<StageStatus>&)>;

    const std::vector<ChildProcessPtr>& stages() const { return stages_; }
    // The first stage's stdin: write to it, then end() it (or use options.input).
    Stream* stdinPipe() { return stages_.front()->stdinPipe(); }
    // The last stage's stdout, as a stream.
    Stream* stdoutPipe() { return stages_.back()->stdoutPipe(); }
    // Once every stage has closed.
    Subscription onClose(CloseListener fn, Listen how = Listen::on);
    const std::vector<StageStatus>& statuses() const { return statuses_; }
    // Kill every stage still running.
    void kill(Signal sig = SIGTERM);

private:
    friend struct PipelineAccess;
    std::vector<ChildProcessPtr> stages_;
    std::vector<StageStatus> statuses_;
    std::size_t open_ = 0;
    std::shared_ptr<Pipeline> self_;  // alive until every stage has closed
    Listeners<const std::vector<StageStatus>&> close_;
};

using PipelinePtr = std::shared_ptr<Pipeline>;

// The streaming form: the last stage's stdout is yours to read.
CHILDPROC_EXPORT PipelinePtr pipeline(const std::vector<Command>& commands, PipelineOptions options = {});

// Buffered like exec: callback(error, the last stage's stdout, every stage's status).
using PipelineCallback = std::function<void(const std::optional<ExecError>& error, const std::string& stdoutData,
                                            const std::vector<StageStatus>& stages)>;
CHILDPROC_EXPORT PipelinePtr execPipeline(const std::vector<Command>& commands, PipelineOptions options,
                                          PipelineCallback callback);

struct PipelineResult {
    std::string stdoutData;
    std::vector<StageStatus> stages;
    std::optional<ExecError> error;  // the first stage that failed (pipefail), a timeout or maxBuffer
};
// execPipeline for co_await: the result, or its error (pipefail, timeout,
// maxBuffer) thrown as the ExecError; the pipeline beside it.
struct PipelinePromise : Promise<PipelineResult> {
    PipelinePtr pipeline;
};
CHILDPROC_EXPORT PipelinePromise execPipeline(const std::vector<Command>& commands, PipelineOptions options = {});

// Blocks on a private loop, like spawnSync.
CHILDPROC_EXPORT PipelineResult pipelineSync(const std::vector<Command>& commands, PipelineOptions options = {});

}  // namespace childproc
