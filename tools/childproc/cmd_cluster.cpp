// SPDX-License-Identifier: MIT
// childproc cluster: Node's cluster from a terminal. This program forks itself
// as the workers; they serve "hello from <pid>" over HTTP on one port. The
// primary supervises them, reloads them on SIGHUP and stops gracefully on
// SIGTERM or SIGINT; under socket activation it serves on the passed socket.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "common.hpp"

namespace cli {

using namespace childproc;

namespace {

struct Options {
    int workers = 2;
    std::optional<int> port;
    std::string policy = "rr";
    int requests = 0;
    long long killAfterMs = 10000;
    std::optional<std::string> trace;
};

// No --port: the passed socket's under socket activation, else any free one.
int portToServe(const Options& o) {
    if (o.port) return *o.port;
    for (const auto& passed : net::listenFds()) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        if (::getsockname(passed.fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) continue;
        if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port);
        if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port);
    }
    return 0;
}

const char* describe(const std::string& policy) {
    if (policy == "none") return "shared socket";
    if (policy == "reuseport") return "SO_REUSEPORT";
    return "round-robin";
}

// One request per connection: read the head, answer, close.
void serve(const Options& o) {
    const std::string body = "hello from " + std::to_string(::getpid()) + "\n";
    const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    auto server = net::createServer([response](std::shared_ptr<net::Socket> s) {
        auto head = std::make_shared<std::string>();
        s->onError([](const Error&) {});
        s->onData([s = s.get(), head, response](std::string_view d) {
            *head += d;
            if (head->find("\r\n\r\n") != std::string::npos && s->writable()) s->end(response);
        });
    });
    server->onError([](const Error& e) {
        complain(e.message());
        std::exit(1);
    });
    server->listen(o.port.value_or(0));
    run();
}

std::string get(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string out;
    const std::string req = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
        char buf[1024];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    const auto at = out.find("hello from ");
    return at == std::string::npos ? "(no answer)" : out.substr(at, out.find('\n', at) - at);
}

// The load runs on its own thread (blocking sockets); its end wakes the loop.
struct Load {
    uv_async_t done{};
    std::future<std::map<std::string, int>> answers;
    std::function<void()> finished;
};

// Signals the primary answers; they do not keep the loop alive themselves.
struct Signals {
    uv_signal_t term{}, intr{}, hup{};
    std::function<void(int)> on;

    void start() {
        for (auto [h, sig] : {std::pair{&term, SIGTERM}, {&intr, SIGINT}, {&hup, SIGHUP}}) {
            uv_signal_init(uv_default_loop(), h);
            h->data = this;
            uv_signal_start(
                h, [](uv_signal_t* s, int received) { static_cast<Signals*>(s->data)->on(received); }, sig);
            uv_unref(reinterpret_cast<uv_handle_t*>(h));
        }
    }
    void stop() {
        for (auto* h : {&term, &intr, &hup}) uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
    }
};

int primary(Options o) {
    const Trace trace(o.trace);
    if (o.policy == "none") cluster::setSchedulingPolicy(cluster::SchedulingPolicy::none);
    if (o.policy == "reuseport") cluster::setSchedulingPolicy(cluster::SchedulingPolicy::reuseport);
    o.port = portToServe(o);  // the workers get it as --port
    std::vector<std::string> args{"cluster", "--port", std::to_string(*o.port)};
    cluster::Settings settings;
    settings.args = args;
    cluster::setupPrimary(settings);
    // Under systemd (Type=notify): READY=1 once all listen, RELOADING=1 on SIGHUP,
    // STOPPING=1 on SIGTERM, WATCHDOG=1; nothing without NOTIFY_SOCKET.
    const systemd::ClusterNotifier notifier;
    int listening = 0;
    bool stopping = false;
    Load load;
    Signals signals;
    auto stop = [&](const std::string& why) {
        if (std::exchange(stopping, true)) return;
        std::cout << why << std::endl;
        cluster::disconnect(std::chrono::milliseconds(o.killAfterMs), [&] {
            std::cout << "all workers disconnected and exited" << std::endl;
            signals.stop();
        });
    };
    signals.on = [&](int sig) {
        if (stopping) return;
        if (sig != SIGHUP) return stop(std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": stopping gracefully");
        std::cout << "SIGHUP: reloading" << std::endl;
        cluster::ReloadOptions r;
        r.forceKillAfter = std::chrono::milliseconds(o.killAfterMs);
        cluster::reload(r, [](const std::optional<Error>& e) {
            std::cout << (e ? "reload failed: " + e->message() : std::string("reloaded: every worker is new"))
                      << std::endl;
        });
    };
    signals.start();
    cluster::onOnline([](const cluster::WorkerPtr& w) {
        std::cout << "worker " << w->id() << " (pid " << *w->process()->pid() << ") online" << std::endl;
    });
    cluster::onListening([&](const cluster::WorkerPtr& w, const cluster::Address& a) {
        std::cout << "worker " << w->id() << " listening on port " << a.port << " (" << describe(o.policy) << ")"
                  << std::endl;
        if (++listening != o.workers || o.requests == 0) return;
        uv_async_init(uv_default_loop(), &load.done, [](uv_async_t* h) {
            auto* l = static_cast<Load*>(h->data);
            uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
            for (const auto& [answer, n] : l->answers.get()) std::cout << n << " × " << answer << std::endl;
            l->finished();
        });
        load.done.data = &load;
        load.finished = [&] { stop("load done: disconnecting"); };
        load.answers = std::async(std::launch::async, [port = a.port, n = o.requests, done = &load.done] {
            std::map<std::string, int> answers;
            for (int i = 0; i < n; ++i) ++answers[get(port)];
            uv_async_send(done);
            return answers;
        });
    });
    cluster::onExit([&](const cluster::WorkerPtr& w, std::optional<int> code, std::optional<std::string> sig) {
        const bool planned = stopping || w->exitedAfterDisconnect() || w->process()->killed();
        std::cout << "worker " << w->id() << " exited: code=" << (code ? std::to_string(*code) : "null")
                  << " signal=" << sig.value_or("null")
                  << " exitedAfterDisconnect=" << (w->exitedAfterDisconnect() ? "true" : "false")
                  << (planned ? "" : ", restarting it") << std::endl;
    });
    cluster::onGiveUp([](const cluster::WorkerPtr&, unsigned restarts) {
        std::cout << "workers keep dying: gave up after " << restarts << " restarts" << std::endl;
    });
    cluster::supervise();
    for (int i = 0; i < o.workers; ++i) cluster::fork();
    run();
    return 0;
}

void addClusterOptions(CLI::App& app, Options& o) {
    app.add_option("--workers", o.workers, "how many workers, 1 to 256; default 2 (Node: cluster.fork() per worker)")
        ->type_name("N")
        ->check(wholeIn(1, 256));
    app.add_option("--port", o.port,
                   "the port, shared by every worker; default: the passed socket's under socket activation "
                   "(LISTEN_FDS), else 0, any free port")
        ->type_name("N")
        ->check(wholeIn(0, 65535));
    app.add_option("--policy", o.policy,
                   "rr (default): the primary accepts and hands out; none: workers accept on a shared socket "
                   "(Node: schedulingPolicy); reuseport: a SO_REUSEPORT socket per worker, the kernel balances")
        ->type_name("P")
        ->check(checkedBy([](const std::string& v) {
            return v == "rr" || v == "none" || v == "reuseport" ? "" : "'" + v + "' is not rr, none or reuseport";
        }));
    app.add_option("--kill-after", o.killAfterMs,
                   "on SIGTERM or SIGINT, and for the old workers of a SIGHUP reload: SIGKILL what is still "
                   "running MS milliseconds after the graceful disconnect; default 10000")
        ->type_name("MS")
        ->check(wholeIn(0, 86400000));
    app.add_option("--requests", o.requests,
                   "send N requests, show which worker answered each, then disconnect the cluster")
        ->type_name("N")
        ->check(wholeIn(0, 1000000));
    addTraceOption(app, o.trace);
}

}  // namespace

Command clusterCommand(CLI::App& app) {
    auto o = std::make_shared<Options>();
    Command c;
    c.app = addSubcommand(app, "cluster",
                          "Serve HTTP from N workers on one port, forked from this program (Node: cluster).", "");
    addClusterOptions(*c.app, *o);
    c.app->footer(
        "Workers that die on their own are restarted, with backoff and a start limit. SIGHUP replaces every worker\n"
        "by a new process, one at a time, without refusing a connection. SIGTERM and SIGINT stop gracefully.\n"
        "Try: childproc cluster --workers 2 --requests 10    (or without --requests, then curl it; Ctrl-C stops it)");
    c.run = [o](const std::vector<std::string>&) { return cluster::isWorker() ? (serve(*o), 0) : primary(*o); };
    return c;
}

}  // namespace cli
