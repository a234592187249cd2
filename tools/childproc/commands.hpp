// SPDX-License-Identifier: MIT
#pragma once
// One function per subcommand: its options, help and what it runs.

#include "args.hpp"

namespace cli {

Command spawnCommand();
Command execCommand();
Command execFileCommand();
Command pipelineCommand();
Command forkCommand();
Command ipcEchoCommand();
Command clusterCommand();
Command tourCommand();

}  // namespace cli
