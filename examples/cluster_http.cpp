// SPDX-License-Identifier: MIT
// One port, one worker per CPU: Node's cluster example in C++.
//
//   cluster_http [--workers N] [--port P] [--policy rr|none|reuseport] [--kill-after S]
//
// The primary forks the workers and supervises them: one that dies is replaced,
// with backoff and a start limit (beyond Node: cluster::supervise()).
// Each worker answers HTTP requests with "hello from <pid>". SIGTERM or SIGINT
// shut down gracefully: the servers stop accepting, requests in flight are
// answered, idle keep-alive connections close, and everyone exits 0; a worker
// still busy S seconds later (default 10) is killed. SIGHUP replaces every worker
// by a new process, one at a time, without refusing a connection
// (cluster::reload()). Started by systemd with socket activation (LISTEN_FDS),
// the workers serve on the socket systemd bound for port P.

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iostream>
#include <string>
#include <thread>

#include <childproc/childproc.hpp>

using namespace childproc;

namespace {

struct Args {
    int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    int port = 8000;
    std::string policy;
    int killAfter = 10;
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--workers") a.workers = std::stoi(v);
        else if (k == "--port") a.port = std::stoi(v);
        else if (k == "--policy") a.policy = v;
        else if (k == "--kill-after") a.killAfter = std::stoi(v);
    }
    return a;
}

// ---- the primary -----------------------------------------------------------

std::function<void(int signum)> onSignal;

void watchSignal(uv_signal_t* h, int signum) {
    uv_signal_init(uv_default_loop(), h);
    uv_signal_start(
        h, [](uv_signal_t*, int received) { onSignal(received); }, signum);
    uv_unref(reinterpret_cast<uv_handle_t*>(h));  // waiting for a signal keeps nobody alive
}

void reload() {
    std::cout << "reloading" << std::endl;
    cluster::reload({}, [](const std::optional<Error>& e) {
        if (e) std::cout << "reload failed: " << e->message() << std::endl;
        else std::cout << "reloaded" << std::endl;
    });
}

int runPrimary(const Args& a) {
    if (a.policy == "none") cluster::setSchedulingPolicy(cluster::SchedulingPolicy::none);
    if (a.policy == "reuseport") cluster::setSchedulingPolicy(cluster::SchedulingPolicy::reuseport);
    bool shuttingDown = false;
    bool announced = false;

    cluster::onListening([&](const cluster::WorkerPtr& w, const cluster::Address& addr) {
        std::cout << "worker " << w->id() << " (pid " << *w->process()->pid() << ") listening on port " << addr.port
                  << std::endl;
        if (!std::exchange(announced, true)) std::cout << "listening on port " << addr.port << std::endl;
    });
    cluster::onExit([&](const cluster::WorkerPtr& w, std::optional<int> code, std::optional<std::string> sig) {
        std::cout << "worker " << w->id() << " exited (" << (sig ? *sig : "code " + std::to_string(code.value_or(0)))
                  << ")";
        // Supervision (beyond Node) replaces a worker that died on its own, with backoff.
        const bool planned = shuttingDown || w->exitedAfterDisconnect() || w->process()->killed();
        std::cout << (planned || !cluster::supervising() ? "" : ", forking a replacement") << std::endl;
    });
    cluster::onGiveUp([](const cluster::WorkerPtr&, unsigned restarts) {
        std::cout << "workers keep dying: " << restarts << " restarts in 10 s, no more" << std::endl;
    });
    cluster::supervise();
    static uv_signal_t sigterm, sigint, sighup;
    onSignal = [&](int signum) {
        if (shuttingDown) return;
        if (signum == SIGHUP) return reload();
        shuttingDown = true;
        std::cout << "shutting down" << std::endl;
        cluster::disconnect(std::chrono::seconds(a.killAfter), [] {
            std::cout << "all workers are done" << std::endl;
            for (auto* h : {&sigterm, &sigint, &sighup}) uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
        });
    };
    watchSignal(&sigterm, SIGTERM);
    watchSignal(&sigint, SIGINT);
    watchSignal(&sighup, SIGHUP);

    // Under systemd's Type=notify: READY=1 once all listen, RELOADING=1 / READY=1
    // around a reload, STOPPING=1, WATCHDOG=1 (beyond Node; nothing without NOTIFY_SOCKET).
    const systemd::ClusterNotifier notifier;
    std::cout << "primary " << ::getpid() << " forking " << a.workers << " workers" << std::endl;
    for (int i = 0; i < a.workers; ++i) cluster::fork();
    run();
    return 0;
}

// ---- a worker --------------------------------------------------------------

// A minimal HTTP/1.1 responder: keep-alive unless the client says close, and
// idle connections close after Node's keepAliveTimeout (5 s). Once the server has
// stopped listening (a disconnect: shutdown or reload), each answer says
// "Connection: close", as Node's http server does, so that keep-alive clients
// move to the workers still serving.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(std::shared_ptr<net::Socket> socket, std::weak_ptr<net::Server> server)
        : socket_(std::move(socket)), server_(std::move(server)) {}

    void start(const std::string& body) {
        const std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size());
        response_ = head + "\r\n\r\n" + body;
        lastResponse_ = head + "\r\nConnection: close\r\n\r\n" + body;
        idle_ = new uv_timer_t;
        uv_timer_init(uv_default_loop(), idle_);
        idle_->data = this;
        lastActive_ = uv_now(uv_default_loop());
        armIdle();
        auto self = shared_from_this();
        socket_->onData([self](std::string_view d) { self->onData(d); });
        socket_->onClose([self] {
            self->stopIdle();
            self->socket_.reset();  // the socket's listeners hold us: let both go
        });
        socket_->onError([](const Error&) {});  // a client that resets is not our problem
    }

private:
    // A request head asks to close when one of its lines is "Connection: close",
    // in any case: looked up line by line, without a lowercased copy.
    static bool asksToClose(std::string_view head) {
        auto same = [](std::string_view a, std::string_view lower) {
            return a.size() == lower.size() &&
                   std::equal(a.begin(), a.end(), lower.begin(),
                              [](unsigned char x, unsigned char y) { return std::tolower(x) == y; });
        };
        for (std::size_t at = 0; at < head.size();) {
            std::size_t eol = head.find("\r\n", at);
            if (eol == std::string_view::npos) eol = head.size();
            const std::string_view line = head.substr(at, eol - at);
            at = eol + 2;
            if (line.size() < 11 || !same(line.substr(0, 11), "connection:")) continue;
            std::string_view value = line.substr(11);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            if (same(value.substr(0, 5), "close")) return true;
        }
        return false;
    }

    void onData(std::string_view d) {
        lastActive_ = uv_now(uv_default_loop());
        // Whole requests straight from the chunk; only a partial one is kept.
        std::string_view rest = d;
        if (!buffer_.empty()) {
            buffer_ += d;
            rest = buffer_;
        }
        std::size_t end;
        while ((end = rest.find("\r\n\r\n")) != std::string_view::npos) {
            const std::string_view head = rest.substr(0, end);
            rest.remove_prefix(end + 4);
            auto server = server_.lock();
            if (asksToClose(head) || !server || !server->listening()) {
                socket_->end(lastResponse_);
                buffer_.clear();
                return stopIdle();
            }
            socket_->write(response_);
        }
        buffer_ = std::string(rest);
    }

    // One timer per connection, started once: on expiry it closes the connection if
    // it stayed idle for kIdleMs, else waits out the rest (no restart per request).
    static constexpr std::uint64_t kIdleMs = 5000;
    void armIdle(std::uint64_t ms = kIdleMs) {
        if (!idle_) return;
        uv_timer_start(
            idle_,
            [](uv_timer_t* t) {
                auto* self = static_cast<Connection*>(t->data);
                const std::uint64_t idle = uv_now(t->loop) - self->lastActive_;
                if (idle >= kIdleMs) self->socket_->destroy();
                else self->armIdle(kIdleMs - idle);
            },
            ms, 0);
    }

    void stopIdle() {
        if (auto* t = std::exchange(idle_, nullptr))
            uv_close(reinterpret_cast<uv_handle_t*>(t),
                     [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    }

    std::shared_ptr<net::Socket> socket_;
    std::weak_ptr<net::Server> server_;
    std::string buffer_, response_, lastResponse_;
    uv_timer_t* idle_ = nullptr;
    std::uint64_t lastActive_ = 0;
};

int runWorker(const Args& a) {
    const std::string body = "hello from " + std::to_string(::getpid()) + "\n";
    auto server = net::createServer();
    server->onConnection([body, weak = std::weak_ptr<net::Server>(server)](std::shared_ptr<net::Socket> socket) {
        std::make_shared<Connection>(std::move(socket), weak)->start(body);
    });
    server->onError([](const Error& e) {
        std::cerr << "worker " << ::getpid() << ": " << e.what() << std::endl;
        std::exit(1);
    });
    server->listen(a.port);
    run();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    return cluster::isPrimary() ? runPrimary(a) : runWorker(a);
}
