// SPDX-License-Identifier: MIT
#pragma once
// Commands shown as a POSIX shell would take them back: what an error and the
// verbose echo print can be pasted into a terminal.

#include <string>
#include <string_view>
#include <vector>

namespace childproc::script::detail {

// A word as sh reads it back: bare when it is safe, else in single quotes.
std::string shellQuote(std::string_view word);
// file and args, each quoted, joined by spaces.
std::string shellLine(const std::string& file, const std::vector<std::string>& args);

}  // namespace childproc::script::detail
