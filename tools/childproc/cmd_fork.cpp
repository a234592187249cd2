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

// "14 bytes: 7b 22 61 22 3a 31 7d 0a  {"a":1}\n" — the teaching view of one line.
std::string wireView(std::string_view bytes) {
    std::ostringstream hex;
    const std::size_t shown = bytes.size() < 48 ? bytes.size() : 48;
    for (std::size_t i = 0; i < shown; ++i) {
        char b[4];
        std::snprintf(b, sizeof b, "%02x ", static_cast<unsigned char>(bytes[i]));
        hex << b;
    }
    if (shown < bytes.size()) hex << "… ";
    std::string text(bytes.substr(0, bytes.size() - (!bytes.empty() && bytes.back() == '\n')));
    if (text.size() > 120) text = text.substr(0, 120) + "…";
    return std::to_string(bytes.size()) + " bytes: " + hex.str() + " " + text + "\\n";
}

}  // namespace

void addForkCommands(CLI::App& app, int& status) {
    struct State {
        CommonFlags f;
        std::string program;
        std::optional<std::string> execPath;
        std::vector<std::string> execArgv;
        std::vector<std::string> sends;
        bool disconnect = false;
        bool silent = false;
    };
    auto st = std::make_shared<State>();
    auto* cmd = app.add_subcommand(
        "fork", "Start PROGRAM with an IPC channel, send messages, print what comes back (Node: child_process.fork)");
    addCommonOptions(*cmd, st->f, false);
    cmd->add_option("--exec-path", st->execPath,
                    "run EXEC_PATH [--exec-arg...] PROGRAM ARGS, e.g. node (Node: options.execPath)");
    cmd->add_option("--exec-arg", st->execArgv,
                    "an argument for --exec-path before PROGRAM; repeatable (Node: options.execArgv)")
        ->allow_extra_args(false);
    cmd->add_option("--send", st->sends, "a JSON message to send; repeatable, sent in order (Node: child.send)")
        ->allow_extra_args(false);
    cmd->add_flag("--disconnect", st->disconnect,
                  "disconnect once each --send has had a reply (at once without --send) (Node: child.disconnect)");
    cmd->add_flag("--silent", st->silent, "pipe the child's stdio instead of sharing ours (Node: options.silent)");
    cmd->add_option("program", st->program, "the program (or, with --exec-path, the module) and its ARGS")->required();
    cmd->prefix_command();
    cmd->footer(
        "Each message from the child is printed as one JSON line on stdout.\n"
        "Try: childproc fork --trace --send '{\"hi\":1}' --disconnect childproc ipc-echo");
    cmd->callback([st, &status, cmd] {
        const Trace trace(st->f.trace);
        SpawnOptions so = toSpawnOptions(st->f, "pipe");
        std::vector<json> messages;
        for (const auto& s : st->sends) {
            auto m = json::parse(s, nullptr, false);
            if (m.is_discarded()) throw Error("--send: not JSON: " + s, "ERR_INVALID_ARG_VALUE");
            messages.push_back(std::move(m));
        }
        ForkOptions o;
        o.cwd = so.cwd;
        o.env = so.env;
        o.execPath = st->execPath;
        o.execArgv = st->execArgv;
        o.silent = st->silent;
        o.detached = so.detached;
        o.uid = so.uid;
        o.gid = so.gid;
        o.timeout = so.timeout;
        o.killSignal = so.killSignal;
        o.backend = so.backend;
        const auto t0 = std::chrono::steady_clock::now();
        ChildProcessPtr child;
        try {
            child = fork(st->program, cmd->remaining(), o);
        } catch (const Error& e) {
            complain(e.message());
            status = 127;
            return;
        }
        std::optional<Error> spawnError;
        child->onError([&](const Error& e) {
            if (!child->pid()) spawnError = e;
            else trace("error event: " + e.message());
        });
        if (child->pid())
            trace("fork: pid " + std::to_string(*child->pid()) + " via " + child->backend() +
                  "; the channel is our end of a socketpair, the child's is its fd 3 (NODE_CHANNEL_FD=3)");
        trace.watch(*child);
        if (auto* ch = child->channel())
            ch->onWire([&trace](bool out, std::string_view bytes) {
                trace(std::string(out ? "ipc out " : "ipc in  ") + wireView(bytes));
            });
        std::size_t replies = 0, received = 0;
        child->onMessage([&](const json& m, std::shared_ptr<ReceivedHandle> h) {
            ++received;
            std::cout << m.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
            if (h) trace("the message came with a handle: " + h->type());
            if (st->disconnect && ++replies == messages.size() && child->connected()) child->disconnect();
        });
        child->onDisconnect([&] { trace("disconnect event: the channel is closed"); });
        for (const auto& m : messages) child->send(m);
        if (st->disconnect && messages.empty()) child->disconnect();
        if (st->f.unref) {
            child->unref();
            if (auto* ch = child->channel()) ch->unref();
        }
        run();
        if (spawnError) complain(spawnError->message());
        status = shellStatus(*child, spawnError);
        if (st->f.json) {  // after the message lines, one summary object
            json j;
            j["pid"] = child->pid() ? json(*child->pid()) : json(nullptr);
            j["exitCode"] = !spawnError && child->exitCode() ? json(*child->exitCode()) : json(nullptr);
            j["signal"] = child->signalCode() ? json(*child->signalCode()) : json(nullptr);
            j["messagesSent"] = messages.size();
            j["messagesReceived"] = received;
            j["durationMs"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            j["error"] = spawnError ? errorJson(*spawnError) : json(nullptr);
            std::cout << j.dump() << std::endl;
        }
    });

    auto* echo =
        app.add_subcommand("ipc-echo",
                           "As a child with an IPC channel, answer each message with {\"echo\": message, \"pid\": pid} "
                           "(Node: process.on('message') + process.send)");
    echo->footer(
        "Start it with childproc fork, or from Node: fork('ipc-echo', [], {execPath: 'childproc'}).\n"
        "It exits when the channel closes; without a channel it says so and exits 2.");
    echo->callback([&status] {
        if (!process::connected()) {
            complain(
                "ipc-echo: no IPC channel (NODE_CHANNEL_FD is not set): start me with 'childproc fork', or from Node "
                "with fork(..., {execPath}) or spawn(..., {stdio: [..., 'ipc']})");
            status = 2;
            return;
        }
        process::onMessage([](const json& m, std::shared_ptr<ReceivedHandle>) {
            process::send({{"echo", m}, {"pid", ::getpid()}});
        });
        run();
        status = 0;
    });
}

}  // namespace cli
