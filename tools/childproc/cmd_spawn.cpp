// SPDX-License-Identifier: MIT
// childproc spawn: Node's child_process.spawn from a terminal.

#include <unistd.h>

#include "commands.hpp"
#include "common.hpp"

namespace cli {

using namespace childproc;

namespace {

void writeOut(int fd, std::string_view d) {
    while (!d.empty()) {
        ssize_t w = ::write(fd, d.data(), d.size());
        if (w <= 0) return;
        d.remove_prefix(static_cast<std::size_t>(w));
    }
}

}  // namespace

void addSpawnCommand(CLI::App& app, int& status) {
    auto* cmd = app.add_subcommand("spawn", "Start FILE with ARGS and wait for it (Node: child_process.spawn)");
    struct State {
        CommonFlags f;
        std::string file;
        std::vector<std::string> args;
    };
    auto st = std::make_shared<State>();
    addCommonOptions(*cmd, st->f, true);
    cmd->add_option("file", st->file, "program to run (looked up in the child's PATH), then its ARGS")->required();
    cmd->prefix_command();  // everything after FILE belongs to the child, dashes included
    cmd->footer(
        "Default stdio: inherit,pipe,pipe with stdout/stderr relayed, so --trace can count the bytes.\n"
        "Exit status: the child's code, 128+N when killed by signal N, 127 when it could not start.");
    cmd->callback([st, &status, cmd] {
        st->args = cmd->remaining();  // prefix_command leaves the child's words here
        const Trace trace(st->f.trace);
        SpawnOptions o = toSpawnOptions(st->f, "inherit,pipe,pipe");
        const auto t0 = std::chrono::steady_clock::now();
        ChildProcessPtr child;
        try {
            child = spawn(st->file, st->args, o);
        } catch (const Error& e) {
            complain(e.message());
            status = 127;
            return;
        }
        const double spawnMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (child->pid())
            trace("spawn() returned: pid " + std::to_string(*child->pid()) + ", backend " + child->backend() +
                  ", took " + std::to_string(spawnMs) + " ms");
        trace.watch(*child);
        std::optional<Error> spawnError;
        child->onError([&](const Error& e) {
            if (!child->pid()) spawnError = e;
        });
        if (auto* s = child->stdoutPipe()) s->onData([](std::string_view d) { writeOut(1, d); });
        if (auto* s = child->stderrPipe()) s->onData([](std::string_view d) { writeOut(2, d); });
        if (auto* s = child->stdinPipe()) s->end();  // we do not relay our stdin: the child sees EOF
        if (st->f.unref) {
            child->unref();
            trace("unref(): we will not wait for pid " + std::to_string(child->pid().value_or(0)));
        }
        run();
        status = shellStatus(*child, spawnError);
        if (spawnError) complain(spawnError->message());
        if (st->f.json) {
            nlohmann::json j;
            j["pid"] = child->pid() ? nlohmann::json(*child->pid()) : nlohmann::json(nullptr);
            j["exitCode"] =
                child->exitCode() && !spawnError ? nlohmann::json(*child->exitCode()) : nlohmann::json(nullptr);
            j["signal"] = child->signalCode() ? nlohmann::json(*child->signalCode()) : nlohmann::json(nullptr);
            j["durationMs"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            j["backend"] = child->backend();
            j["error"] = spawnError ? errorJson(*spawnError) : nlohmann::json(nullptr);
            std::cout << j.dump() << std::endl;
        }
    });
}

}  // namespace cli
