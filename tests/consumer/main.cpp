// SPDX-License-Identifier: MIT
#include <childproc/childproc.hpp>
#include <iostream>

int main() {
    std::string out;
    auto child = childproc::spawn("echo", {"hello from a child"});
    child->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    childproc::run();
    std::cout << "consumer got: " << out;
    return child->exitCode() == 0 ? 0 : 1;
}
