// SPDX-License-Identifier: MIT
#pragma once
// Resource (resources.hpp) to the kernel's RLIMIT_* number, and a limit as text.

#include <string>

#include "childproc/resources.hpp"

namespace childproc::detail {

int resourceNumber(Resource r);
// "nofile=512:1024", with "unlimited" for kUnlimited.
std::string formatResourceLimit(const ResourceLimit& limit);

}  // namespace childproc::detail
