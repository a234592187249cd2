// SPDX-License-Identifier: MIT
// childproc cluster: Node's cluster from a terminal. This program forks itself
// as the workers; they serve "hello from <pid>" over HTTP on one port.

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
    int port = 0;
    std::string policy = "rr";
    int requests = 0;
};

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
    server->listen(o.port);
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
};

int primary(const Options& o) {
    if (o.policy == "none") cluster::setSchedulingPolicy(cluster::SchedulingPolicy::none);
    int listening = 0;
    Load load;
    cluster::onOnline([](const cluster::WorkerPtr& w) {
        std::cout << "worker " << w->id() << " (pid " << *w->process()->pid() << ") online" << std::endl;
    });
    cluster::onListening([&](const cluster::WorkerPtr& w, const cluster::Address& a) {
        std::cout << "worker " << w->id() << " listening on port " << a.port << " ("
                  << (o.policy == "none" ? "shared socket" : "round-robin") << ")" << std::endl;
        if (++listening < o.workers || o.requests == 0) return;
        uv_async_init(uv_default_loop(), &load.done, [](uv_async_t* h) {
            auto* l = static_cast<Load*>(h->data);
            uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
            for (const auto& [answer, n] : l->answers.get()) std::cout << n << " × " << answer << std::endl;
            cluster::disconnect([] { std::cout << "all workers disconnected and exited" << std::endl; });
        });
        load.done.data = &load;
        load.answers = std::async(std::launch::async, [port = a.port, n = o.requests, done = &load.done] {
            std::map<std::string, int> answers;
            for (int i = 0; i < n; ++i) ++answers[get(port)];
            uv_async_send(done);
            return answers;
        });
    });
    cluster::onExit([](const cluster::WorkerPtr& w, std::optional<int> code, std::optional<std::string> sig) {
        std::cout << "worker " << w->id() << " exited: code=" << (code ? std::to_string(*code) : "null")
                  << " signal=" << sig.value_or("null")
                  << " exitedAfterDisconnect=" << (w->exitedAfterDisconnect() ? "true" : "false") << std::endl;
    });
    for (int i = 0; i < o.workers; ++i) cluster::fork();
    run();
    return 0;
}

}  // namespace

Command clusterCommand() {
    auto o = std::make_shared<Options>();
    Command c;
    c.name = "cluster";
    c.summary = "Serve HTTP from N workers on one port, forked from this program (Node: cluster).";
    c.takesCommand = false;
    c.options.push_back(
        {"--workers", "N", "how many workers, 1 to 256; default 2 (Node: cluster.fork() per worker)",
         [o](const std::string& v) { o->workers = static_cast<int>(parseWhole("--workers", v, 1, 256)); }});
    c.options.push_back({"--port", "N", "the port; 0 (default) picks one, shared by every worker",
                         [o](const std::string& v) { o->port = static_cast<int>(parseWhole("--port", v, 0, 65535)); }});
    c.options.push_back({"--policy", "P",
                         "rr (default): the primary accepts and hands out; none: workers accept on a shared socket "
                         "(Node: schedulingPolicy)",
                         [o](const std::string& v) {
                             if (v != "rr" && v != "none") throw UsageError("--policy: '" + v + "' is not rr or none");
                             o->policy = v;
                         }});
    c.options.push_back(
        {"--requests", "N", "send N requests, show which worker answered each, then disconnect the cluster",
         [o](const std::string& v) { o->requests = static_cast<int>(parseWhole("--requests", v, 0, 1000000)); }});
    c.footer =
        "Try: childproc cluster --workers 2 --requests 10    (or without --requests, then curl it; Ctrl-C stops it)";
    c.run = [o](const std::vector<std::string>&) { return cluster::isWorker() ? (serve(*o), 0) : primary(*o); };
    return c;
}

}  // namespace cli
