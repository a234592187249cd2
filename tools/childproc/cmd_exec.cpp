// SPDX-License-Identifier: MIT
// childproc exec / execfile: Node's exec and execFile, buffered, from a terminal.

#include "commands.hpp"
#include "common.hpp"
#include "stdin_relay.hpp"

namespace cli {

using namespace childproc;

namespace {

struct ExecState {
    CommonFlags f;
    std::size_t maxBuffer = 1024 * 1024;
    Encoding encoding = Encoding::utf8;
};

ExecOptions toExecOptions(const ExecState& st) {
    auto o = optionsFor<ExecOptions>(st.f);
    o.maxBuffer = st.maxBuffer;
    o.encoding = st.encoding;
    return o;
}

// Runs one exec/execFile to completion and reports it; returns the exit status.
int runBuffered(const ExecState& st, const std::vector<std::string>& words, bool viaShell) {
    const Trace trace(st.f.trace);
    ExecOptions o = toExecOptions(st);
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<ExecError> error;
    std::string out, err;
    auto done = [&](const std::optional<ExecError>& e, const std::string& o1, const std::string& e1) {
        error = e;
        out = o1;
        err = e1;
        trace("callback: " + std::string(e ? "error: " + e->message() : "success"),
              {{"stdoutBytes", o1.size()}, {"stderrBytes", e1.size()}});
    };
    ChildProcessPtr child;
    try {
        child = viaShell ? exec(words.front(), o, done)
                         : execFile(words.front(), {words.begin() + 1, words.end()}, o, done);
    } catch (const Error& e) {
        complain(e.message());
        return startFailureStatus(e);
    }
    trace.started(*child, viaShell ? "exec()" : "execFile()");
    relayStdin(*child);
    if (st.f.unref) child->unref();
    run();
    const bool spawnFailed = error && !child->pid();
    int status = shellStatus(*child, spawnFailed ? error : std::nullopt);
    if (error && status == 0) status = 1;  // e.g. maxBuffer: the child itself may have exited 0
    const bool overflow = error && error->code == "ERR_CHILD_PROCESS_STDIO_MAXBUFFER";
    if (st.f.json) {
        nlohmann::json j;
        j["pid"] = child->pid() ? nlohmann::json(*child->pid()) : nlohmann::json(nullptr);
        j["argv"] = child->spawnargs();
        j["exitCode"] =
            !spawnFailed && child->exitCode() ? nlohmann::json(*child->exitCode()) : nlohmann::json(nullptr);
        j["signal"] = child->signalCode() ? nlohmann::json(*child->signalCode()) : nlohmann::json(nullptr);
        j["stdout"] = out;  // in buffer mode, invalid UTF-8 is shown as U+FFFD (writeJson)
        j["stderr"] = err;
        j["durationMs"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        j["resourceUsage"] = usageJson(child->resourceUsage());
        j["error"] = error ? execErrorJson(*error) : nlohmann::json(nullptr);
        writeJson(st.f, 1, j);  // the output is in the record, not printed beside it
    } else {
        writeAll(1, out);
        writeAll(2, err);
    }
    if (spawnFailed) complain(error->message());
    if (overflow)
        complain(error->message() +
                 (child->signalCode() ? "; killed by " + *child->signalCode() : std::string("; the child had exited")));
    else reportTimeoutKill(st.f, *child);
    return status;
}

void addBufferedOptions(CLI::App& app, ExecState& st) {
    addCommonOptions(app, st.f, kShell | kIdentity | kUnref | kLimits);
    addMaxBufferOption(app, "bytes kept per stream before the child is killed, or 'unlimited' (Node: maxBuffer)",
                       st.maxBuffer);
    valueOption(app, "--encoding", "E", "utf8 (invalid bytes become U+FFFD) or buffer (Node: options.encoding)",
                [&st](const std::string& v) { st.encoding = v == "utf8" ? Encoding::utf8 : Encoding::buffer; })
        ->check(checkedBy([](const std::string& v) {
            return v == "utf8" || v == "buffer" ? "" : "'" + v + "' is not utf8 or buffer";
        }));
}

constexpr const char* kBufferedFooter =
    "Our stdin passes through to the child's. The output is printed when the child has ended.\n"
    "--json: the record, output included, goes to stdout (or to --json-fd N).\n"
    "A timeout or maxBuffer kill is said on stderr: \"childproc: killed by SIGTERM after 100 ms timeout\".";

}  // namespace

Command execCommand(CLI::App& app) {
    auto st = std::make_shared<ExecState>();
    Command c;
    c.operands = "COMMAND";
    c.app = addSubcommand(app, "exec",
                          "Run COMMAND through /bin/sh and print its buffered output (Node: child_process.exec).",
                          c.operands);
    addBufferedOptions(*c.app, *st);
    c.app->footer(std::string("COMMAND is one argument: quote it.\n") + kBufferedFooter);
    c.run = [st](const std::vector<std::string>& words) {
        if (words.size() != 1)
            throw UsageError("exec takes the command line as one argument (quote it); got " +
                             std::to_string(words.size()));
        return runBuffered(*st, words, true);
    };
    return c;
}

Command execFileCommand(CLI::App& app) {
    auto st = std::make_shared<ExecState>();
    Command c;
    c.operands = "FILE [ARG]...";
    c.app = addSubcommand(app, "execfile",
                          "Run FILE with ARGS, no shell, and print its buffered output (Node: child_process.execFile).",
                          c.operands);
    addBufferedOptions(*c.app, *st);
    c.app->footer(kBufferedFooter);
    c.run = [st](const std::vector<std::string>& words) { return runBuffered(*st, words, false); };
    return c;
}

}  // namespace cli
