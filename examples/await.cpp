// SPDX-License-Identifier: MIT
// A Node async function ported line by line to C++20 coroutines. The Node original:
//
//   const execP = util.promisify(exec);
//   async function main() {
//     const { stdout } = await execP('uname -s', { timeout: 5000 });
//     console.log('kernel:', stdout.trim());
//     try { await execP('sleep 5', { timeout: 100 }); }
//     catch (e) { console.log('sleep 5 was stopped by', e.signal); }
//     const { stdout: words } = await execP("printf 'b\\na\\nb\\n' | sort | uniq -c");
//     process.stdout.write(words);
//     const child = fork(__filename, ['child']);
//     child.send({ n: 12 });
//     const [reply] = await once(child, 'message');
//     console.log('12 squared is', reply.square);
//     child.disconnect();
//     const [code] = await once(child, 'close');
//     return code;
//   }
//   // the child: process.on('message', (m) => process.send({ square: m.n * m.n }))
//   main().then((code) => process.exit(code));
#include <childproc/childproc.hpp>
#include <iostream>
#include <string_view>

using namespace childproc;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

Promise<int> mainAsync() {
    ExecOptions quick;
    quick.timeout = 5000ms;
    const ExecResult uname = co_await exec("uname -s", quick);
    std::cout << "kernel: " << trim(uname.stdoutData) << "\n";

    ExecOptions brief;
    brief.timeout = 100ms;
    try {
        co_await exec("sleep 5", brief);
    } catch (const ExecError& e) {
        std::cout << "sleep 5 was stopped by " << e.signal.value_or("nothing") << "\n";
    }

    // Beyond Node: the same pipeline without a shell, kernel pipes between the stages.
    // (Named before co_await: GCC 12 rejects a braced list inside co_await's operand.)
    auto counting = execPipeline({{"printf", {"b\\na\\nb\\n"}}, {"sort", {}}, {"uniq", {"-c"}}});
    const PipelineResult words = co_await std::move(counting);
    std::cout << words.stdoutData;

    auto child = fork("/proc/self/exe", {"child"});
    child->send({{"n", 12}});
    const IncomingMessage reply = co_await child->nextMessage();
    std::cout << "12 squared is " << reply.message["square"] << "\n";
    child->disconnect();
    const ExitStatus status = co_await child->closed();
    co_return status.code.value_or(1);
}

// The child's side, awaiting too: answer messages until the parent disconnects.
Promise<int> childAsync() {
    try {
        for (;;) {
            const IncomingMessage m = co_await process::nextMessage();
            const long n = m.message["n"];
            const json answer = {{"square", n * n}};
            co_await process::sendAsync(answer);
        }
    } catch (const Error&) {  // ERR_IPC_CHANNEL_CLOSED: the parent is done with us
    }
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "child") return runUntil(childAsync());
    return runUntil(mainAsync());
}
