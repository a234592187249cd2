// SPDX-License-Identifier: MIT
// Parent ↔ child messages: the program forks itself; the child squares numbers.
// Node: const c = fork(__filename, ['child']); c.send(n); c.on('message', ...)
#include <childproc/childproc.hpp>
#include <iostream>
#include <string_view>

using namespace childproc;
using nlohmann::json;

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "child") {
        process::onMessage([](const json& m, auto) {
            process::send({{"n", m}, {"square", m.get<long>() * m.get<long>()}});
        });
        run();  // ends when the parent disconnects
        return 0;
    }
    auto child = fork("/proc/self/exe", {"child"});
    int answers = 0;
    child->onMessage([&](const json& m, auto) {
        std::cout << m["n"] << " squared is " << m["square"] << " (from pid " << *child->pid() << ")\n";
        if (++answers == 3) child->disconnect();
    });
    for (long n : {3, 12, 99}) child->send(n);
    run();
    return child->exitCode() == 0 && answers == 3 ? 0 : 1;
}
