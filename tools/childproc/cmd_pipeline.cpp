// SPDX-License-Identifier: MIT
// childproc pipeline: a | b | c without a shell, kernel pipes between the stages.

#include <climits>

#include "commands.hpp"
#include "common.hpp"
#include "stdin_relay.hpp"

namespace cli {

using namespace childproc;

Command pipelineCommand() {
    struct State {
        CommonFlags f;
        std::size_t maxBuffer = unlimited;
    };
    auto st = std::make_shared<State>();
    Command c;
    c.name = "pipeline";
    c.operands = "FILE [ARG]... ['|' FILE [ARG]...]...";
    c.summary = "Join commands with kernel pipes, no shell (Node: a.stdout.pipe(b.stdin), without bytes through us).";
    // Every stage shares these; the options that name one process (--uid, --shell,
    // --argv0, --stdio, --detached, --unref) are not offered, so they are usage errors.
    addCommonOptions(c, st->f, 0);
    c.options.push_back({"--max-buffer", "N", "bytes of the last stage's output to keep, or 'unlimited' (default)",
                         [st](const std::string& v) {
                             st->maxBuffer =
                                 v == "unlimited"
                                     ? unlimited
                                     : static_cast<std::size_t>(parseWhole("--max-buffer", v, 0, LLONG_MAX));
                         }});
    c.footer =
        "Quote the bar: '|'. Our stdin passes through to the first stage.\n"
        "Exit status: pipefail's, the rightmost failing stage's.\n"
        "--json: the record, output included, goes to stdout (or to --json-fd N).";
    c.run = [st](const std::vector<std::string>& words) {
        const CommonFlags& f = st->f;
        const std::vector<childproc::Command> commands = [&] {
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
        }();
        const Trace trace(f);
        SpawnOptions so = toSpawnOptions(f, {});
        PipelineOptions o;
        o.cwd = so.cwd;
        o.env = so.env;
        o.timeout = so.timeout;
        o.killSignal = so.killSignal;
        o.backend = so.backend;
        o.maxBuffer = st->maxBuffer;
        o.writeStdin = true;
        const auto t0 = std::chrono::steady_clock::now();
        std::optional<ExecError> error;
        std::string out;
        std::vector<StageStatus> stages;
        auto p = execPipeline(
            commands, o,
            [&](const std::optional<ExecError>& e, const std::string& o1, const std::vector<StageStatus>& s) {
                error = e;
                out = o1;
                stages = s;
            });
        for (std::size_t i = 0; i < p->stages().size(); ++i) {
            auto& stage = *p->stages()[i];
            const std::string label = "stage " + std::to_string(i + 1);
            trace.started(stage, "execPipeline()", label);
            trace(label +
                  (i == 0 ? " stdin: a pipe we copy our stdin into"
                          : " stdin: kernel pipe from stage " + std::to_string(i)) +
                  (i + 1 == commands.size() ? ", stdout: a pipe to us"
                                            : ", stdout: kernel pipe to stage " + std::to_string(i + 2)));
            trace.watch(stage, label);
        }
        if (!p->stages().empty()) relayStdin(*p->stages().front());
        run();
        // pipefail: the rightmost stage that failed gives the status.
        int status = 0;
        for (const auto& s : stages) {
            if (s.ok()) continue;
            status = s.error    ? startFailureStatus(*s.error)
                     : s.signal ? 128 + signalNumber(*s.signal).value_or(0)
                                : s.code.value_or(1);
        }
        if (f.json) {
            nlohmann::json j;
            j["stdout"] = out;
            j["durationMs"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            j["stages"] = nlohmann::json::array();
            for (const auto& s : stages)
                j["stages"].push_back({{"cmd", s.cmd},
                                       {"pid", s.pid ? nlohmann::json(*s.pid) : nlohmann::json(nullptr)},
                                       {"exitCode", s.code ? nlohmann::json(*s.code) : nlohmann::json(nullptr)},
                                       {"signal", s.signal ? nlohmann::json(*s.signal) : nlohmann::json(nullptr)},
                                       {"stderr", s.stderrData},
                                       {"error", s.error ? errorJson(*s.error) : nlohmann::json(nullptr)}});
            j["error"] = error ? execErrorJson(*error) : nlohmann::json(nullptr);
            writeJson(f, 1, j);
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
        return status;
    };
    return c;
}

}  // namespace cli
