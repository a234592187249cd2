// SPDX-License-Identifier: MIT
// spawn(): Node's argument rules (normalize.cpp), then the child is made (child/).

#include "childproc/spawn.hpp"

#include "child/child_access.hpp"
#include "spawn/normalize.hpp"

namespace childproc {

ChildProcessPtr spawn(const std::string& file, const std::vector<std::string>& args, SpawnOptions options) {
    return detail::ChildAccess::start(detail::normalizeSpawn(file, args, options));
}

}  // namespace childproc
