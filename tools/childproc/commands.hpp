// SPDX-License-Identifier: MIT
#pragma once
// One function per subcommand: it adds the command's options and help to the
// top app, and gives back what the command runs.

#include "command_line.hpp"

namespace cli {

Command spawnCommand(CLI::App& app);
Command execCommand(CLI::App& app);
Command execFileCommand(CLI::App& app);
Command pipelineCommand(CLI::App& app);
Command forkCommand(CLI::App& app);
Command ipcEchoCommand(CLI::App& app);
Command clusterCommand(CLI::App& app);
Command ptyCommand(CLI::App& app);
Command tourCommand(CLI::App& app);

}  // namespace cli
