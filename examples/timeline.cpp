// SPDX-License-Identifier: MIT
// A picture of a run: a fork that trades five messages, a pipeline of three
// stages and a child killed by its timeout, recorded together and drawn as one
// timeline page (open it in a browser; hover for details).
//   example_timeline [PAGE]    (default: timeline.html)
#include <childproc/childproc.hpp>
#include <childproc/timeline.hpp>
#include <iostream>

using namespace childproc;

// The forked child: answers each message, and leaves on "bye".
int answer() {
    process::onMessage([](const nlohmann::json& m, std::shared_ptr<ReceivedHandle>) {
        if (m == "bye") process::disconnect();
        else process::send({{"echo", m}});
    });
    run();
    return 0;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--answer") return answer();
    const std::string page = argc > 1 ? argv[1] : "timeline.html";
    timeline::Recording recording;

    auto child = fork(argv[0], {"--answer"});
    int replies = 0;
    child->onMessage([&](const nlohmann::json&, std::shared_ptr<ReceivedHandle>) {
        if (++replies == 5) child->send("bye");
    });
    for (int i = 1; i <= 5; ++i) child->send({{"n", i}});

    auto stages = pipeline({{"sh", {"-c", "for i in 1 2 3; do echo line $i; sleep 0.02; done"}},
                            {"sort", {"-r"}},
                            {"tr", {"a-z", "A-Z"}}});
    std::string sorted;
    stages->stdoutPipe()->onData([&](std::string_view d) { sorted += d; });

    SpawnOptions o;
    o.timeout = std::chrono::milliseconds(150);
    auto slow = spawn("sh", {"-c", "echo working >&2; exec sleep 5"}, o);

    run();
    recording.writeHtml(page, {"childproc timeline",
                               "a fork trading five messages, a pipeline of three stages, a child killed by its "
                               "150 ms timeout"});
    std::cout << sorted << replies << " replies; the slow child ended by " << slow->signalCode().value_or("?")
              << "; the page is " << page << "\n";
    return replies == 5 && sorted == "LINE 3\nLINE 2\nLINE 1\n" ? 0 : 1;
}
