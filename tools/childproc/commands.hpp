// SPDX-License-Identifier: MIT
#pragma once
// One function per subcommand; each sets `status` to the process exit status.

#include <CLI/CLI.hpp>

namespace cli {

void addSpawnCommand(CLI::App& app, int& status);
void addExecCommands(CLI::App& app, int& status);
void addPipelineCommand(CLI::App& app, int& status);
void addForkCommands(CLI::App& app, int& status);
void addClusterCommand(CLI::App& app, int& status);
void addTourCommand(CLI::App& app, int& status, const char* self);

}  // namespace cli
