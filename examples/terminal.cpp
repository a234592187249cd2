// SPDX-License-Identifier: MIT
// Driving an interactive program as a person would, through a terminal: Python's
// REPL answers a question, then ^D ends it. The same with node-pty and pexpect:
//
//   pexpect: py = pexpect.spawn('python3 -q'); py.expect('>>> '); py.sendline('6 * 7')
//   here:    Expect py("python3", {"-q"}); py.expect(">>> "); py.sendLine("6 * 7");

#include <iostream>
#include <regex>

#include <childproc/expect.hpp>

using namespace childproc;
using namespace std::chrono_literals;

int main() {
    // A plain prompt: Python 3.13's coloured REPL is not what this example reads.
    Env env = processEnv();
    env.emplace("PYTHON_BASIC_REPL", "1");
    Expect py("python3", {"-q"}, {.cols = 100, .env = env});
    if (!py.expect(">>> ", 20s)) return 1;
    py.sendLine("import os; os.isatty(0), os.get_terminal_size().columns");
    auto tty = py.expect(std::regex(R"(\((\w+), (\d+)\)\r\n)"), 10s);
    std::cout << "isatty(0): " << tty.groups.at(0) << ", columns: " << tty.groups.at(1) << "\n";
    // Type only at the prompt, as a person does: a line typed while Python is busy is
    // echoed by the terminal before Python prints its next prompt ("6 * 7\r\n>>> ").
    if (!py.expect(">>> ", 10s)) return 1;
    py.sendLine("6 * 7");
    auto answer = py.expect(std::regex(R"(\n(\d+)\r\n>>> )"), 10s);
    std::cout << "6 * 7 = " << answer.groups.at(0) << "\n";
    py.sendEof();
    const ExitStatus end = py.wait();
    std::cout << "python3 exited with " << end.code.value_or(-1) << "\n";
    return tty.groups.at(0) == "True" && answer.groups.at(0) == "42" && end.code == 0 ? 0 : 1;
}
