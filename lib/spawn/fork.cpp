// SPDX-License-Identifier: MIT
// fork(): spawn with an IPC channel, as Node's child_process.fork.

#include "childproc/fork.hpp"

#include "childproc/spawn.hpp"
#include "spawn/convert_options.hpp"

namespace childproc {

ChildProcessPtr fork(const std::string& modulePath, const std::vector<std::string>& args, ForkOptions o) {
    std::vector<Stdio> slots;
    if (o.stdio) {
        slots = o.stdio->slots();
        // Node's stdioStringToArray(stdio, 'ipc'): a shorthand gets the channel as fd 3.
        if (o.stdio->isShorthand()) slots.emplace_back(StdioType::ipc);
        int ipc = 0;
        for (const auto& s : slots) ipc += s.type == StdioType::ipc;
        if (ipc == 0)
            throw Error("Forked processes must have an IPC channel, missing value 'ipc' in options.stdio",
                        "ERR_CHILD_PROCESS_IPC_REQUIRED");
    } else if (o.silent) {
        slots = {StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::ipc};
    } else {
        slots = {0, 1, 2, StdioType::ipc};
    }

    std::string file = modulePath;
    std::vector<std::string> argv = args;
    if (o.execPath) {
        file = *o.execPath;
        argv = o.execArgv;
        argv.push_back(modulePath);
        argv.insert(argv.end(), args.begin(), args.end());
    }

    auto so = detail::convertOptions<SpawnOptions>(o);
    so.stdio = slots;
    return spawn(file, argv, std::move(so));  // shell is forced off, as in Node
}

}  // namespace childproc
