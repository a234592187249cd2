// SPDX-License-Identifier: MIT
// childproc: Node's child_process from a terminal, and a tour of how it works.

#include <iostream>
#include <regex>

#include "commands.hpp"
#include "common.hpp"

namespace {

using namespace cli;

// CLI11's words where ours said more: a missing value names what it should be, a
// flag given a value says flags take none.
std::string usageText(const CLI::ParseError& e) {
    static const std::regex missing("^(--[a-z0-9-]+): 1 required (\\S+) missing$");
    static const std::regex flagValue("^([a-z0-9-]+) was given a disallowed flag override$");
    std::smatch m;
    const std::string what = e.what();
    if (std::regex_match(what, m, missing)) return "option '" + m.str(1) + "' needs a value (" + m.str(2) + ")";
    if (std::regex_match(what, m, flagValue)) return "option '--" + m.str(1) + "' takes no value";
    return what;
}

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
    commands = {spawnCommand(app),   execCommand(app),    execFileCommand(app), pipelineCommand(app), forkCommand(app),
                ipcEchoCommand(app), clusterCommand(app), ptyCommand(app),      tourCommand(app)};
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
        return usageError(usageText(e), reached());
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
