// SPDX-License-Identifier: MIT
// childproc pipeline: a | b | c without a shell, kernel pipes between the stages.

#include <iostream>

#include "commands.hpp"
#include "common.hpp"

namespace cli {

using namespace childproc;

void addPipelineCommand(CLI::App& app, int& status) {
    struct State {
        CommonFlags f;
        std::string first;
        std::string maxBuffer = "unlimited";
    };
    auto st = std::make_shared<State>();
    auto* cmd = app.add_subcommand("pipeline",
                                   "Join commands with kernel pipes, no shell: childproc pipeline ls -l '|' grep x "
                                   "(Node: stdout.pipe(stdin), without bytes through the parent)");
    addCommonOptions(*cmd, st->f, false);
    cmd->add_option("--max-buffer", st->maxBuffer, "bytes of the last stage's output to keep, or 'unlimited'");
    cmd->add_option("first", st->first, "the first program; then its args, and '|' before each next command")
        ->required();
    cmd->prefix_command();
    cmd->footer("Quote the bar: '|'. Exit status: pipefail's — the rightmost failing stage's.");
    cmd->callback([st, &status, cmd] {
        std::vector<Command> commands{{st->first, {}}};
        for (const auto& word : cmd->remaining()) {
            if (word == "|") commands.push_back({});
            else if (commands.back().file.empty()) commands.back().file = word;
            else commands.back().args.push_back(word);
        }
        for (const auto& c : commands)
            if (c.file.empty())
                throw Error("pipeline: an empty stage (two bars in a row, or a bar at the end)",
                            "ERR_INVALID_ARG_VALUE");
        const Trace trace(st->f.trace);
        SpawnOptions so = toSpawnOptions(st->f, "pipe");
        PipelineOptions o;
        o.cwd = so.cwd;
        o.env = so.env;
        o.timeout = so.timeout;
        o.killSignal = so.killSignal;
        o.backend = so.backend;
        o.maxBuffer = st->maxBuffer == "unlimited" ? unlimited : std::stoull(st->maxBuffer);
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
            auto& c = *p->stages()[i];
            trace("stage " + std::to_string(i + 1) + ": pid " + std::to_string(c.pid().value_or(0)) + " " +
                  commands[i].file +
                  (i == 0 ? " (stdin: a pipe we end at once)"
                          : " (stdin: kernel pipe from stage " + std::to_string(i) + ")") +
                  (i + 1 == commands.size() ? " (stdout: a pipe to us)"
                                            : " (stdout: kernel pipe to stage " + std::to_string(i + 2) + ")"));
            trace.watch(c, "stage " + std::to_string(i + 1));
        }
        run();
        // pipefail: the rightmost stage that failed gives the status.
        status = 0;
        for (const auto& s : stages) {
            if (s.ok()) continue;
            status = s.error ? 127 : s.signal ? 128 + signalNumber(*s.signal).value_or(0) : s.code.value_or(1);
        }
        if (st->f.json) {
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
            std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
        } else {
            std::cout << out << std::flush;
            for (const auto& s : stages) std::cerr << s.stderrData;
            if (error) complain(error->message());
        }
    });
}

}  // namespace cli
