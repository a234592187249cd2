// SPDX-License-Identifier: MIT
// The README's quick start: Node's
//   const ls = spawn('ls', ['-lh', '/usr']);
//   ls.stdout.on('data', d => process.stdout.write(d));
//   ls.on('close', code => console.log(`exited with ${code}`));
#include <childproc/childproc.hpp>
#include <iostream>

int main() {
    auto ls = childproc::spawn("ls", {"-lh", "/usr"});
    ls->stdoutPipe()->onData([](std::string_view d) { std::cout << d; });
    ls->onClose([](std::optional<int> code, std::optional<std::string>) {
        std::cout << "exited with " << code.value_or(-1) << "\n";
    });
    childproc::run();  // the libuv loop: returns when nothing is left to do
    return ls->exitCode().value_or(1);
}
