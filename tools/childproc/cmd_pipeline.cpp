// SPDX-License-Identifier: MIT
// childproc pipeline: a | b | c without a shell, kernel pipes between the stages.

#include "commands.hpp"
#include "common.hpp"
#include "stdin_relay.hpp"

namespace cli {

using namespace childproc;

namespace {

struct PipelineState {
    CommonFlags f;
    std::size_t maxBuffer = unlimited;
};

// The words split at each '|' into commands; an empty stage is a usage error.
std::vector<childproc::Command> stagesOf(const std::vector<std::string>& words) {
    std::vector<childproc::Command> out{{}};
    for (const auto& word : words) {
        if (word == "|") {
            if (out.back().file.empty()) throw UsageError("pipeline: an empty stage before a '|'");
            out.push_back({});
        } else if (out.back().file.empty()) {
            out.back().file = word;
        } else {
            out.back().args.push_back(word);
        }
    }
    if (out.back().file.empty()) throw UsageError("pipeline: an empty stage after the last '|'");
    return out;
}

void traceStages(const Trace& trace, Pipeline& p) {
    const auto& stages = p.stages();
    for (std::size_t i = 0; i < stages.size(); ++i) {
        auto& stage = *stages[i];
        const std::string label = "stage " + std::to_string(i + 1);
        trace.started(stage, "execPipeline()", label);
        trace(
            label +
            (i == 0 ? " stdin: a pipe we copy our stdin into" : " stdin: kernel pipe from stage " + std::to_string(i)) +
            (i + 1 == stages.size() ? ", stdout: a pipe to us"
                                    : ", stdout: kernel pipe to stage " + std::to_string(i + 2)));
    }
}

// pipefail: the rightmost stage that failed gives the status.
int pipefailStatus(const std::vector<StageStatus>& stages) {
    int status = 0;
    for (const auto& s : stages) {
        if (s.ok()) continue;
        status = s.error    ? startFailureStatus(*s.error)
                 : s.signal ? 128 + signalNumber(*s.signal).value_or(0)
                            : s.code.value_or(1);
    }
    return status;
}

nlohmann::json recordOf(const std::string& out, const std::vector<StageStatus>& stages,
                        const std::optional<ExecError>& error, double durationMs) {
    const auto orNull = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    nlohmann::json j;
    j["stdout"] = out;
    j["durationMs"] = durationMs;
    j["stages"] = nlohmann::json::array();
    for (const auto& s : stages)
        j["stages"].push_back({{"cmd", s.cmd},
                               {"pid", orNull(s.pid)},
                               {"exitCode", orNull(s.code)},
                               {"signal", orNull(s.signal)},
                               {"stderr", s.stderrData},
                               {"error", s.error ? errorJson(*s.error) : nlohmann::json(nullptr)}});
    j["error"] = error ? execErrorJson(*error) : nlohmann::json(nullptr);
    return j;
}

int runPipeline(const PipelineState& st, const std::vector<std::string>& words) {
    const CommonFlags& f = st.f;
    const std::vector<childproc::Command> commands = stagesOf(words);
    const Trace trace(f.trace);
    auto o = optionsFor<PipelineOptions>(f);
    o.maxBuffer = st.maxBuffer;
    o.writeStdin = true;
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<ExecError> error;
    std::string out;
    std::vector<StageStatus> stages;
    auto p = execPipeline(
        commands, o, [&](const std::optional<ExecError>& e, const std::string& o1, const std::vector<StageStatus>& s) {
            error = e;
            out = o1;
            stages = s;
        });
    traceStages(trace, *p);
    if (!p->stages().empty()) relayStdin(*p->stages().front());
    run();
    if (f.json) {
        writeJson(f, 1,
                  recordOf(out, stages, error,
                           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()));
    } else {
        writeAll(1, out);
        for (const auto& s : stages) writeAll(2, s.stderrData);
    }
    if (error) {
        if (f.timeoutMs > 0 && error->killed)
            complain("killed by " + error->signal.value_or(f.killSignal.name()) + " after " +
                     std::to_string(f.timeoutMs) + " ms timeout");
        else complain(error->message());
    }
    return pipefailStatus(stages);
}

}  // namespace

Command pipelineCommand(CLI::App& app) {
    auto st = std::make_shared<PipelineState>();
    Command c;
    c.operands = "FILE [ARG]... ['|' FILE [ARG]...]...";
    c.app = addSubcommand(
        app, "pipeline",
        "Join commands with kernel pipes, no shell (Node: a.stdout.pipe(b.stdin), without bytes through us).",
        c.operands);
    // Every stage shares these; the options that name one process (--uid, --shell,
    // --argv0, --stdio, --detached, --unref) are not offered, so they are usage errors.
    addCommonOptions(*c.app, st->f, 0);
    addMaxBufferOption(*c.app, "bytes of the last stage's output to keep, or 'unlimited' (default)", st->maxBuffer);
    c.app->footer(
        "Quote the bar: '|'. Our stdin passes through to the first stage.\n"
        "Exit status: pipefail's, the rightmost failing stage's.\n"
        "--json: the record, output included, goes to stdout (or to --json-fd N).");
    c.run = [st](const std::vector<std::string>& words) { return runPipeline(*st, words); };
    return c;
}

}  // namespace cli
