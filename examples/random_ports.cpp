// SPDX-License-Identifier: MIT
// Step one of the seeds: one worker per CPU, each on a port of its own.
// The program forks itself; each child listens on a random port and tells the
// parent which over IPC. The parent asks each one for a page, then lets them go.

#include <unistd.h>

#include <iostream>
#include <thread>

#include <childproc/childproc.hpp>

using namespace childproc;
using nlohmann::json;

namespace {

int child() {
    auto server = net::createServer([](std::shared_ptr<net::Socket> s) {
        s->onError([](const Error&) {});
        s->end("hello from " + std::to_string(::getpid()) + "\n");
    });
    server->listen(0, "127.0.0.1", [server] { process::send({{"port", server->address()->port}}); });
    process::onDisconnect([server] { server->close(); });  // the parent is done with us
    run();
    return 0;
}

int parent(const char* self, int n) {
    int answered = 0;
    std::vector<ChildProcessPtr> children;
    for (int i = 0; i < n; ++i) {
        auto c = fork(self, {"child"});
        c->onMessage([&answered, n, &children](const json& m, std::shared_ptr<ReceivedHandle>) {
            const int port = m["port"];
            // A client child asks it for a page: bash's /dev/tcp, no curl needed.
            execFile("bash", {"-c", "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port) + " && cat <&3"}, {},
                     [port, &answered, n, &children](const std::optional<ExecError>&, const std::string& out,
                                                     const std::string&) {
                         std::cout << "port " << port << ": " << out;
                         if (++answered == n)
                             for (auto& ch : children) ch->disconnect();
                     });
        });
        children.push_back(c);
    }
    run();
    for (auto& c : children)
        std::cout << "child " << *c->pid() << " exited with " << c->exitCode().value_or(-1) << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "child") return child();
    return parent(argv[0], static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
}
