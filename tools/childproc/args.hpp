// SPDX-License-Identifier: MIT
#pragma once
// The command line as env(1) and timeout(1) read theirs: our options come first;
// the first word that is not one starts the child's command; "--" ends our
// options and is consumed; an unknown option is a usage error (exit 125).

#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cli {

// Exit statuses, as env(1) and timeout(1) give them.
inline constexpr int kUsageStatus = 125;      // our own usage or internal error
inline constexpr int kCannotRunStatus = 126;  // found, but could not be run
inline constexpr int kNotFoundStatus = 127;   // not found

// A mistake on our command line: "childproc: MESSAGE", a pointer to --help, 125.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Option {
    std::string name;   // "--cwd"
    std::string value;  // "DIR"; empty for a flag
    std::string help;
    std::function<void(const std::string&)> set;  // gets the value ("" for a flag)
    bool valueOptional = false;                   // --shell[=PATH]: a value only after '='
};

struct Command {
    std::string name;      // "spawn"
    std::string operands;  // "FILE [ARG]...", or "" for none
    std::string summary;   // one line
    std::vector<Option> options;
    std::string footer;        // after the options in --help
    bool takesCommand = true;  // the first non-option word and all after it are the child's
    std::function<int(const std::vector<std::string>& words)> run;
};

// Applies our options from args and returns the words after them (the child's
// command). --help is left to the caller: it comes back as the only word "--help".
std::vector<std::string> parseOptions(const Command& c, const std::vector<std::string>& args);

// `childproc CMD --help`; asSection: as one part of the whole reference (`childproc
// --help`, and so the man page), headed "childproc CMD [OPTION]... OPERANDS:".
void printHelp(std::ostream& out, const Command& c, bool asSection = false);

// Whole numbers for options: digits only, within [min, max], else a UsageError
// naming the option ("--timeout: '-5' is not a whole number from 0 to ...").
long long parseWhole(const std::string& option, const std::string& text, long long min, long long max);

}  // namespace cli
