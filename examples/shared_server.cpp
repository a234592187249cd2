// SPDX-License-Identifier: MIT
// Step two of the seeds: the parent listens once and passes its listening
// socket to each child (Node: child.send('server', server)). The children all
// accept on that one port; the kernel gives each connection to one of them.

#include <unistd.h>

#include <iostream>
#include <map>
#include <thread>

#include <childproc/childproc.hpp>

using namespace childproc;
using nlohmann::json;

namespace {

int child() {
    auto server = net::createServer([](std::shared_ptr<net::Socket> s) {
        s->onError([](const Error&) {});
        s->end(std::to_string(::getpid()) + "\n");
    });
    process::onMessage([server](const json& m, std::shared_ptr<ReceivedHandle> handle) {
        if (m == "server" && handle) server->listen(std::move(handle), [] { process::send("listening"); });
    });
    process::onDisconnect([server] { server->close(); });
    run();
    return 0;
}

int parent(const char* self, int n, int requests) {
    auto server = net::createServer();
    std::vector<ChildProcessPtr> children;
    int listening = 0, port = 0;
    std::map<std::string, int> answers;
    std::function<void(int)> ask = [&](int left) {
        if (left == 0) {
            for (const auto& [pid, count] : answers) std::cout << "child " << pid << " answered " << count << std::endl;
            for (auto& c : children) c->disconnect();
            return;
        }
        execFile("bash", {"-c", "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port) + " && cat <&3"}, {},
                 [&, left](const std::optional<ExecError>&, const std::string& out, const std::string&) {
                     ++answers[out.substr(0, out.find('\n'))];
                     ask(left - 1);
                 });
    };
    server->listen(0, "127.0.0.1", [&] {
        port = server->address()->port;  // address() is empty once we close our copy
        std::cout << "parent " << ::getpid() << " listens on port " << port << std::endl;
        for (int i = 0; i < n; ++i) {
            auto c = fork(self, {"child"});
            c->onMessage([&](const json&, std::shared_ptr<ReceivedHandle>) {
                if (++listening < n) return;
                server->close();  // the children hold the socket now; we stop accepting
                ask(requests);
            });
            c->send("server", SendHandle::server(server->handle()));
            children.push_back(c);
        }
    });
    run();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "child") return child();
    return parent(argv[0], static_cast<int>(std::max(2u, std::thread::hardware_concurrency())), 20);
}
