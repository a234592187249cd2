// SPDX-License-Identifier: MIT
// childproc: Node's child_process from a terminal, and a tour of how it works.

#include <iostream>

#include "commands.hpp"
#include "common.hpp"

namespace {

using namespace cli;

std::vector<Command> allCommands() {
    return {spawnCommand(), execCommand(),    execFileCommand(), pipelineCommand(),
            forkCommand(),  ipcEchoCommand(), clusterCommand(),  tourCommand()};
}

constexpr const char* kExitStatus =
    "Exit status:\n"
    "  the child's exit code, or 128+N when a signal N ended it;\n"
    "  125  our own error: a usage error, a bad cwd, an internal failure;\n"
    "  126  the program was found but could not be run (EACCES, ...);\n"
    "  127  the program was not found.\n";

// The whole reference: what `childproc --help` (and so the man page) shows.
void printTopHelp(std::ostream& out, const std::vector<Command>& commands) {
    out << "Usage: childproc COMMAND [OPTION]... [FILE [ARG]...]\n"
           "Node.js's child_process and cluster from a terminal, on the childproc C++ library.\n"
           "Our options come before the program, as env(1) and timeout(1) take theirs: the\n"
           "first word that is not an option starts the child's command, and -- ends our\n"
           "options (and is not passed on).\n\n"
           "Commands:\n";
    for (const auto& c : commands) {
        std::string head = "  " + c.name;
        head.resize(14, ' ');
        out << head << c.summary << "\n";
    }
    out << "\n  -h, --help      show this help (COMMAND --help: that command's)\n"
           "      --version   output version information and exit\n";
    for (const auto& c : commands) {
        out << "\n";
        printHelp(out, c, true);
    }
    out << "\n"
        << kExitStatus
        << "\nExamples:\n"
           "  childproc spawn -- ls -l /tmp\n"
           "  childproc exec --timeout 1000 'sleep 5'\n"
           "  yes | head -c 1000 | childproc pipeline wc -c\n"
           "  childproc fork --send '{\"hi\":1}' --disconnect childproc ipc-echo\n"
           "  childproc tour\n";
}

int usageError(const std::string& message, const std::string& command) {
    complain(message);
    std::cerr << "Try 'childproc " << (command.empty() ? "" : command + " ") << "--help' for more information.\n";
    return kUsageStatus;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto commands = allCommands();
    if (args.empty()) return usageError("missing COMMAND", "");
    if (args[0] == "--version") {
        std::cout << "childproc " CHILDPROC_VERSION "\n";
        return 0;
    }
    if (args[0] == "--help" || args[0] == "-h") {
        printTopHelp(std::cout, commands);
        return 0;
    }
    const Command* cmd = nullptr;
    for (const auto& c : commands)
        if (c.name == args[0]) cmd = &c;
    if (!cmd) return usageError("unknown command '" + args[0] + "'", "");
    try {
        const auto words = parseOptions(*cmd, {args.begin() + 1, args.end()});
        if (words.size() == 1 && words[0] == "--help") {
            printHelp(std::cout, *cmd);
            std::cout << "\n" << kExitStatus;
            return 0;
        }
        if (cmd->takesCommand && words.empty()) return usageError("missing " + cmd->operands, cmd->name);
        return cmd->run(words);
    } catch (const UsageError& e) {
        return usageError(e.what(), cmd->name);
    } catch (const std::exception& e) {
        complain(e.what());
        return kUsageStatus;
    }
}
