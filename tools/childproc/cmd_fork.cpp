// SPDX-License-Identifier: MIT
// childproc fork / ipc-echo: Node's fork() and process.send() from a terminal.

#include <unistd.h>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"

namespace cli {

using namespace childproc;
using nlohmann::json;

namespace {

struct ForkState {
    CommonFlags f;
    std::optional<std::string> execPath;
    std::vector<std::string> execArgv;
    std::vector<json> sends;
    bool disconnect = false;
    bool silent = false;
};

void addForkOptions(CLI::App& app, ForkState& st) {
    addCommonOptions(app, st.f, kIdentity | kDetached | kUnref | kLimits);
    app.add_option("--exec-path", st.execPath, "run PATH [--exec-arg]... PROGRAM ARGS, e.g. node (Node: execPath)")
        ->type_name("PATH");
    valueOption(app, "--exec-arg", "ARG", "an argument for --exec-path before PROGRAM; repeatable (Node: execArgv)",
                [&st](const std::string& v) { st.execArgv.push_back(v); })
        ->trigger_on_parse();
    valueOption(app, "--send", "JSON", "a message to send; repeatable, sent in order (Node: child.send)",
                [&st](const std::string& v) { st.sends.push_back(json::parse(v)); })
        ->trigger_on_parse()
        ->check(checkedBy([](const std::string& v) {
            return json::parse(v, nullptr, false).is_discarded() ? "not JSON: " + v : std::string();
        }));
    flagOption(app, "--disconnect",
               "disconnect once each --send has had a reply (at once without --send) (Node: disconnect)",
               st.disconnect);
    flagOption(app, "--silent", "pipe the child's stdio instead of sharing ours (Node: options.silent)", st.silent);
}

// Each message from the child on stdout; --disconnect once every --send had its reply.
struct Conversation {
    std::size_t replies = 0;
    std::size_t received = 0;
};

void converse(const ForkState& st, ChildProcess& child, const Trace& trace, Conversation& talk) {
    child.onMessage([&st, &child, &trace, &talk](const json& m, std::shared_ptr<ReceivedHandle> h) {
        ++talk.received;
        std::cout << m.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
        if (h) trace("the message came with a handle: " + h->type());
        if (st.disconnect && ++talk.replies == st.sends.size() && child.connected()) child.disconnect();
    });
    for (const auto& m : st.sends) child.send(m);
    if (st.disconnect && st.sends.empty()) child.disconnect();
}

int runFork(const ForkState& st, const std::vector<std::string>& words) {
    const CommonFlags& f = st.f;
    const Trace trace(f.trace);
    auto o = optionsFor<ForkOptions>(f);
    o.execPath = st.execPath;
    o.execArgv = st.execArgv;
    o.silent = st.silent;
    const auto t0 = std::chrono::steady_clock::now();
    ChildProcessPtr child;
    try {
        child = fork(words.front(), {words.begin() + 1, words.end()}, o);
    } catch (const Error& e) {
        complain(e.message());
        return startFailureStatus(e);
    }
    std::optional<Error> spawnError;
    child->onError([&](const Error& e) {
        if (!child->pid()) spawnError = e;
    });
    trace.started(*child, "fork() (the channel is our end of a socketpair, the child's fd 3: NODE_CHANNEL_FD=3)");
    Conversation talk;
    converse(st, *child, trace, talk);
    if (f.unref) {
        child->unref();
        if (auto* ch = child->channel()) ch->unref();
    }
    run();
    if (spawnError) complain(spawnError->message());
    reportTimeoutKill(f, *child);
    if (f.json) {
        json j;
        j["pid"] = child->pid() ? json(*child->pid()) : json(nullptr);
        j["argv"] = child->spawnargs();
        j["exitCode"] = !spawnError && child->exitCode() ? json(*child->exitCode()) : json(nullptr);
        j["signal"] = child->signalCode() ? json(*child->signalCode()) : json(nullptr);
        j["messagesSent"] = st.sends.size();
        j["messagesReceived"] = talk.received;
        j["durationMs"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        j["resourceUsage"] = usageJson(child->resourceUsage());
        j["error"] = spawnError ? errorJson(*spawnError) : json(nullptr);
        writeJson(f, 2, j);
    }
    return shellStatus(*child, spawnError);
}

int runIpcEcho() {
    if (!process::connected()) {
        complain(
            "ipc-echo: no IPC channel (NODE_CHANNEL_FD is not set): start me with 'childproc fork', or from Node "
            "with fork(..., {execPath}) or spawn(..., {stdio: [..., 'ipc']})");
        return kUsageStatus;
    }
    process::onMessage([](const json& m, std::shared_ptr<ReceivedHandle>) {
        process::send({{"echo", m}, {"pid", ::getpid()}});
    });
    run();
    return 0;
}

}  // namespace

Command forkCommand(CLI::App& app) {
    auto st = std::make_shared<ForkState>();
    Command c;
    c.operands = "PROGRAM [ARG]...";
    c.app = addSubcommand(
        app, "fork",
        "Start PROGRAM with an IPC channel, send messages, print what comes back (Node: child_process.fork).",
        c.operands);
    addForkOptions(*c.app, *st);
    c.app->footer(
        "Each message from the child is printed as one JSON line on stdout.\n"
        "--json: a summary record goes to stderr at the end (or to --json-fd N).\n"
        "Try: childproc fork --trace --send '{\"hi\":1}' --disconnect childproc ipc-echo");
    c.run = [st](const std::vector<std::string>& words) { return runFork(*st, words); };
    return c;
}

Command ipcEchoCommand(CLI::App& app) {
    Command c;
    c.app = addSubcommand(app, "ipc-echo",
                          "As a child with an IPC channel, answer each message with {\"echo\": message, \"pid\": pid} "
                          "(Node: process.on('message') + process.send).",
                          "");
    c.app->footer(
        "Start it with childproc fork, or from Node: fork('ipc-echo', [], {execPath: 'childproc'}).\n"
        "It exits when the channel closes; without a channel it says so and exits 125.");
    c.run = [](const std::vector<std::string>&) { return runIpcEcho(); };
    return c;
}

}  // namespace cli
