// SPDX-License-Identifier: MIT
// A detached child that outlives its parent: it keeps appending to a file after
// the parent has exited. Node: spawn(cmd, {detached: true, stdio: 'ignore'}).unref()
#include <unistd.h>
#include <childproc/childproc.hpp>
#include <fstream>
#include <iostream>
#include <string_view>
#include <thread>

using namespace childproc;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: example_detached FILE [LINES]\n";
        return 2;
    }
    const std::string file = argv[1];
    const int lines = argc > 2 ? std::atoi(argv[2]) : 5;
    if (argc > 3 && std::string_view(argv[3]) == "child") {
        for (int i = 0; i < lines; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            std::ofstream(file, std::ios::app)
                << "line " << i << " from pid " << ::getpid() << " (session " << ::getsid(0) << ")\n";
        }
        return 0;
    }
    SpawnOptions o;
    o.detached = true;            // its own session: our terminal's signals do not reach it
    o.stdio = StdioType::ignore;  // no pipes to us, so nothing keeps our loop alive
    auto child = spawn("/proc/self/exe", {file, std::to_string(lines), "child"}, o);
    child->unref();  // and we do not wait for it
    run();
    std::cout << "parent " << ::getpid() << " exits; child " << *child->pid() << " keeps writing to " << file << "\n";
    return 0;
}
