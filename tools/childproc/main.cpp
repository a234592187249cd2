// SPDX-License-Identifier: MIT
// childproc: Node's child_process from a terminal, and a tour of how it works.

#include <iostream>

#include "commands.hpp"
#include "common.hpp"

int main(int argc, char** argv) {
    CLI::App app{"childproc " CHILDPROC_VERSION " — Node.js child_process for C++20, on libuv"};
    app.require_subcommand(1);
    int status = 0;
    cli::addSpawnCommand(app, status);
    cli::addExecCommands(app, status);
    cli::addPipelineCommand(app, status);
    cli::addForkCommands(app, status);
    cli::addClusterCommand(app, status);
    cli::addTourCommand(app, status, argv[0]);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const childproc::Error& e) {
        cli::complain(e.message());
        return 2;
    }
    return status;
}
