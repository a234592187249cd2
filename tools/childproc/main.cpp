// SPDX-License-Identifier: MIT
// childproc: Node's child_process from a terminal, and a tour of how it works.

#include <iostream>

#include "commands.hpp"
#include "common.hpp"

namespace {

using namespace cli;

int usageError(const std::string& message, const Command* command) {
    complain(message);
    std::cerr << "Try 'childproc " << (command ? command->app->get_name() + " " : "")
              << "--help' for more information.\n";
    return kUsageStatus;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Node.js's child_process and cluster from a terminal.", "childproc");
    std::vector<Command> commands;
    // Set before the subcommands are added: they take the parent's formatter.
    app.formatter(std::make_shared<HelpFormatter>(commands));
    app.set_help_flag("-h,--help");
    app.set_version_flag("--version", "childproc " CHILDPROC_VERSION);
    commands = {spawnCommand(app), execCommand(app),    execFileCommand(app), pipelineCommand(app),
                forkCommand(app),  ipcEchoCommand(app), clusterCommand(app),  tourCommand(app)};
    // The command the parse had reached, for "Try 'childproc spawn --help'".
    const auto reached = [&]() -> const Command* {
        const auto chosen = app.get_subcommands();
        for (const auto& c : commands)
            if (!chosen.empty() && c.app == chosen.front()) return &c;
        return nullptr;
    };
    Parsed parsed;
    try {
        parsed = parseCommandLine(app, commands, {argv + 1, argv + argc});
    } catch (const CLI::CallForHelp&) {
        const auto chosen = app.get_subcommands();
        std::cout << (chosen.empty() ? app.help() : chosen.front()->help());
        return 0;
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << "\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        return usageError(e.what(), reached());
    } catch (const UsageError& e) {
        return usageError(e.what(), reached());
    }
    try {
        return parsed.command->run(parsed.words);
    } catch (const UsageError& e) {
        return usageError(e.what(), parsed.command);
    } catch (const std::exception& e) {
        complain(e.what());
        return kUsageStatus;
    }
}
