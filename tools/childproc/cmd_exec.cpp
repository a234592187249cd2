// SPDX-License-Identifier: MIT
// childproc exec / execfile: Node's exec and execFile, buffered, from a terminal.

#include <unistd.h>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"

namespace cli {

using namespace childproc;

namespace {

struct ExecState {
    CommonFlags f;
    std::string command;  // exec: the command line; execfile: the file
    std::vector<std::string> args;
    std::string maxBuffer = "1048576";
    std::string encoding = "utf8";
};

ExecOptions toExecOptions(const ExecState& st) {
    SpawnOptions so = toSpawnOptions(st.f, "pipe");
    ExecOptions o;
    o.cwd = so.cwd;
    o.env = so.env;
    o.shell = so.shell;
    o.timeout = so.timeout;
    o.killSignal = so.killSignal;
    o.uid = so.uid;
    o.gid = so.gid;
    o.backend = so.backend;
    o.maxBuffer = st.maxBuffer == "unlimited" ? unlimited : std::stoull(st.maxBuffer);
    o.encoding = st.encoding == "buffer" ? Encoding::buffer : Encoding::utf8;
    return o;
}

void writeAll(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t w = ::write(fd, s.data() + off, s.size() - off);
        if (w <= 0) return;
        off += static_cast<std::size_t>(w);
    }
}

// Runs one exec/execFile to completion and reports it; returns the exit status.
int runBuffered(const ExecState& st, bool viaShell) {
    const Trace trace(st.f.trace);
    ExecOptions o = toExecOptions(st);
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<ExecError> error;
    std::string out, err;
    auto done = [&](const std::optional<ExecError>& e, const std::string& o1, const std::string& e1) {
        error = e;
        out = o1;
        err = e1;
        trace("callback: " + std::string(e ? "error: " + e->message() : "success") + ", " + std::to_string(o1.size()) +
              " bytes of stdout, " + std::to_string(e1.size()) + " of stderr");
    };
    ChildProcessPtr child;
    try {
        child = viaShell ? exec(st.command, o, done) : execFile(st.command, st.args, o, done);
    } catch (const Error& e) {
        complain(e.message());
        return 127;
    }
    if (child->pid())
        trace(std::string(viaShell ? "exec" : "execFile") + ": pid " + std::to_string(*child->pid()) + " via " +
              child->backend() + ", maxBuffer " + st.maxBuffer + " bytes per stream");
    trace.watch(*child);
    if (st.f.unref) child->unref();
    run();
    const bool spawnFailed = error && !child->pid();
    int status = shellStatus(*child, spawnFailed ? error : std::nullopt);
    if (error && status == 0) status = 1;  // e.g. maxBuffer: the child itself may have exited 0
    if (st.f.json) {
        nlohmann::json j;
        j["pid"] = child->pid() ? nlohmann::json(*child->pid()) : nlohmann::json(nullptr);
        j["exitCode"] =
            !spawnFailed && child->exitCode() ? nlohmann::json(*child->exitCode()) : nlohmann::json(nullptr);
        j["signal"] = child->signalCode() ? nlohmann::json(*child->signalCode()) : nlohmann::json(nullptr);
        // Invalid UTF-8 cannot go into JSON text: in buffer mode it is shown decoded.
        j["stdout"] = o.encoding == Encoding::utf8
                          ? out
                          : nlohmann::json(out).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        j["stderr"] = err;
        j["durationMs"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        j["error"] = error ? execErrorJson(*error) : nlohmann::json(nullptr);
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
    } else {
        writeAll(1, out);
        writeAll(2, err);
        if (error && (spawnFailed || error->code == "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")) complain(error->message());
    }
    return status;
}

void addBufferedOptions(CLI::App& cmd, ExecState& st) {
    addCommonOptions(cmd, st.f, false);
    cmd.add_option("--max-buffer", st.maxBuffer,
                   "bytes kept per stream before the child is killed, or 'unlimited' (Node: options.maxBuffer)");
    cmd.add_option("--encoding", st.encoding, "utf8 (invalid bytes become U+FFFD) or buffer (Node: options.encoding)")
        ->check(CLI::IsMember({"utf8", "buffer"}));
}

}  // namespace

void addExecCommands(CLI::App& app, int& status) {
    auto st = std::make_shared<ExecState>();
    auto* exec = app.add_subcommand(
        "exec", "Run COMMAND through /bin/sh and print its buffered output (Node: child_process.exec)");
    addBufferedOptions(*exec, *st);
    exec->add_option("command", st->command, "the command line, one argument (quote it)")->required();
    exec->footer("Exit status: the child's code, 128+N when killed by signal N, 127 when it could not start.");
    exec->callback([st, &status] { status = runBuffered(*st, true); });

    auto sf = std::make_shared<ExecState>();
    auto* ef = app.add_subcommand(
        "execfile", "Run FILE with ARGS, no shell, and print its buffered output (Node: child_process.execFile)");
    addBufferedOptions(*ef, *sf);
    ef->add_option("file", sf->command, "program to run, then its ARGS")->required();
    ef->prefix_command();
    ef->callback([sf, &status, ef] {
        sf->args = ef->remaining();
        status = runBuffered(*sf, false);
    });
}

}  // namespace cli
