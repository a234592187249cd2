// SPDX-License-Identifier: MIT
// A cluster worker for the tests, forked by a C++ primary (the test itself) or
// by Node's cluster (with process.execPath set to this program, so that Node's
// "exec" script path is our mode). argv[1] is the mode:
//   serve <port> [host]  listen; answer each connection with our pid, then close it.
//                        A listen error goes to the primary as {error: {...}}.
//   serve-path <path>    the same on a Unix socket (Node's listen(path), through the primary)
//   serve-fd <fd>        the same on the primary's open socket <fd> (Node's listen({fd}))
//   decline <port>       listen with maxConnections 0: every hand-off is declined
//   echo                 answer each message m with {echo: m, id, pid}
//   report               send {id, isWorker, isPrimary, uniqueIdInEnv, state, tag: $CP_TAG}
//   idle                 be a worker, do nothing
//   linger               be a worker that a disconnect does not end (a timer keeps it)
//   disconnect-self      listen on port argv[2], then cluster.worker.disconnect()
//   kill-self            cluster.worker.kill(): tell the primary, disconnect, exit 0
//   udp <port>           bind a udp4 socket on 127.0.0.1 (through the primary); answer
//                        each datagram with our pid. A bind error goes to the primary.

#include <unistd.h>
#include <cstdlib>
#include <string>

#include <childproc/childproc.hpp>

using namespace childproc;
using nlohmann::json;

namespace {

std::shared_ptr<net::Server> serve(net::ListenOptions o) {
    auto server = net::createServer([](std::shared_ptr<net::Socket> socket) {
        socket->onError([](const Error&) {});
        socket->end(std::to_string(::getpid()) + "\n");
    });
    server->onError([](const Error& e) {
        process::send({{"error",
                        {{"message", e.what()},
                         {"code", e.code},
                         {"errno", e.errnum},
                         {"syscall", e.syscall},
                         {"port", e.port.value_or(-1)}}}});
    });
    server->listen(std::move(o));
    return server;
}

std::shared_ptr<net::Server> serve(int port, std::optional<std::string> host) {
    net::ListenOptions o;
    o.port = port;
    o.host = std::move(host);
    return serve(std::move(o));
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "idle";
    if (!cluster::isWorker()) return 2;  // only ever run as a worker
    if (mode == "crash") return 3;       // a worker that dies at start, for supervision
    auto self = cluster::worker();

    std::shared_ptr<net::Server> server;
    std::shared_ptr<dgram::Socket> udp;
    if (mode == "udp") {
        udp = dgram::createSocket(dgram::Type::udp4);
        auto* s = udp.get();
        udp->onMessage([s](std::string_view, const dgram::RemoteInfo& from) {
            s->send(std::to_string(::getpid()), from.port, from.address);
        });
        udp->onError([](const Error& e) { process::send({{"error", {{"message", e.what()}, {"code", e.code}}}}); });
        udp->bind(argc > 2 ? std::atoi(argv[2]) : 0, "127.0.0.1");
    } else if (mode == "serve") {
        server =
            serve(argc > 2 ? std::atoi(argv[2]) : 0, argc > 3 ? std::optional<std::string>(argv[3]) : std::nullopt);
    } else if (mode == "serve-path" || mode == "serve-fd") {
        net::ListenOptions o;
        if (mode == "serve-path") o.path = argv[2];
        else o.fd = std::atoi(argv[2]);
        server = serve(std::move(o));
    } else if (mode == "decline") {
        server = serve(argc > 2 ? std::atoi(argv[2]) : 0, std::nullopt);
        server->maxConnections = 0;
    } else if (mode == "echo") {
        self->onMessage([self](const json& m, std::shared_ptr<ReceivedHandle>) {
            self->send({{"echo", m}, {"id", self->id()}, {"pid", ::getpid()}});
        });
    } else if (mode == "report") {
        process::send({{"id", self->id()},
                       {"isWorker", cluster::isWorker()},
                       {"isPrimary", cluster::isPrimary()},
                       {"uniqueIdInEnv", std::getenv("NODE_UNIQUE_ID") != nullptr},
                       {"state", cluster::stateName(self->state())},
                       {"tag", std::getenv("CP_TAG") ? json(std::getenv("CP_TAG")) : json()}});
    } else if (mode == "disconnect-self") {
        server = serve(argc > 2 ? std::atoi(argv[2]) : 0, std::nullopt);
        server->onListening([self] { self->disconnect(); });
    } else if (mode == "linger") {
        static uv_timer_t forever;
        uv_timer_init(uv_default_loop(), &forever);
        uv_timer_start(
            &forever, [](uv_timer_t*) {}, 1000, 1000);
    } else if (mode == "exit-on-message") {  // leaves the primary's handle queue non-empty
        process::onMessage([](const json&, auto) { std::exit(1); });
    } else if (mode == "kill-self") {
        self->kill();
    }
    run();
    return 0;
}
