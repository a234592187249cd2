// SPDX-License-Identifier: MIT
// childproc spawn: Node's child_process.spawn from a terminal.

#include "commands.hpp"
#include "common.hpp"
#include "stdin_relay.hpp"

namespace cli {

using namespace childproc;

namespace {

struct SpawnFlags {
    CommonFlags common;
    bool time = false;
};

// GNU time(1)'s report on stderr, with its first line for a failed run.
void reportTime(const ChildProcess& child, std::chrono::steady_clock::duration elapsed) {
    std::string text;
    if (auto sig = child.signalCode())
        text = "Command terminated by signal " + std::to_string(signalNumber(*sig).value_or(0)) + "\n";
    else if (child.exitCode().value_or(0) != 0)
        text = "Command exited with non-zero status " + std::to_string(*child.exitCode()) + "\n";
    if (auto u = child.resourceUsage()) text += formatTimeReport(*u, elapsed);
    else text += "no resource usage: the uv backend does not give it\n";
    writeAll(2, text);
}

int runSpawn(const SpawnFlags& sf, const std::vector<std::string>& words) {
    const CommonFlags& f = sf.common;
    const Trace trace(f.trace);
    const std::vector<std::string> args(words.begin() + 1, words.end());
    SpawnOptions o = toSpawnOptions(f, {StdioType::inherit, StdioType::pipe, StdioType::pipe});
    const auto t0 = std::chrono::steady_clock::now();
    ChildProcessPtr child;
    try {
        child = spawn(words.front(), args, o);
    } catch (const Error& e) {
        complain(e.message());
        return startFailureStatus(e);
    }
    trace.started(*child, "spawn()");
    std::optional<Error> spawnError;
    child->onError([&](const Error& e) {
        if (!child->pid()) spawnError = e;
    });
    if (auto* s = child->stdoutPipe()) s->onData([](std::string_view d) { writeAll(1, d); });
    if (auto* s = child->stderrPipe()) s->onData([](std::string_view d) { writeAll(2, d); });
    relayStdin(*child);
    if (f.unref) {
        child->unref();
        trace("unref(): we will not wait for the child");
    }
    run();
    const int status = shellStatus(*child, spawnError);
    if (spawnError) complain(spawnError->message());
    reportTimeoutKill(f, *child);
    if (sf.time && child->pid()) reportTime(*child, std::chrono::steady_clock::now() - t0);
    if (f.json) {
        nlohmann::json j;
        j["pid"] = child->pid() ? nlohmann::json(*child->pid()) : nlohmann::json(nullptr);
        j["argv"] = child->spawnargs();
        j["exitCode"] = child->exitCode() && !spawnError ? nlohmann::json(*child->exitCode()) : nlohmann::json(nullptr);
        j["signal"] = child->signalCode() ? nlohmann::json(*child->signalCode()) : nlohmann::json(nullptr);
        j["durationMs"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        j["backend"] = child->backend();
        j["resourceUsage"] = usageJson(child->resourceUsage());
        j["error"] = spawnError ? errorJson(*spawnError) : nlohmann::json(nullptr);
        writeJson(f, 2, j);
    }
    return status;
}

}  // namespace

Command spawnCommand(CLI::App& app) {
    auto f = std::make_shared<SpawnFlags>();
    Command c;
    c.operands = "FILE [ARG]...";
    c.app =
        addSubcommand(app, "spawn", "Start FILE with ARGS and wait for it (Node: child_process.spawn).", c.operands);
    addCommonOptions(*c.app, f->common, kAllSpawnOptions);
    flagOption(*c.app, "--time", "when the child ends, print what it used on stderr as GNU time(1) does", f->time);
    c.app->footer(
        "stdin passes through (default stdio: inherit,pipe,pipe, stdout and stderr relayed so\n"
        "--trace can count the bytes; with a stdin pipe our stdin is copied into it).\n"
        "--json: the record goes to stderr, after the child's output (or to --json-fd N).");
    c.run = [f](const std::vector<std::string>& words) { return runSpawn(*f, words); };
    return c;
}

}  // namespace cli
