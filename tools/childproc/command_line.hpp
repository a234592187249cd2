// SPDX-License-Identifier: MIT
#pragma once
// The command line on CLI11, read as env(1) and timeout(1) read theirs: our
// options come first; the first word that is not one starts the child's command
// (CLI11's prefix-command mode); "--" ends our options and is consumed; an
// unknown option of ours is a usage error (exit 125), never passed to the child.

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace cli {

// Exit statuses, as env(1) and timeout(1) give them.
inline constexpr int kUsageStatus = 125;      // our own usage or internal error
inline constexpr int kCannotRunStatus = 126;  // found, but could not be run
inline constexpr int kNotFoundStatus = 127;   // not found

// A mistake found after parsing (a malformed pipeline, ...): "childproc: MESSAGE",
// a pointer to --help, 125.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One subcommand: its CLI11 app (options, summary, footer) and what it runs.
struct Command {
    CLI::App* app = nullptr;
    std::string operands;  // "FILE [ARG]...", or "" for a command that takes none
    // Gets the child's command: the words after our options (empty without operands).
    std::function<int(const std::vector<std::string>& words)> run;
    bool takesCommand() const { return !operands.empty(); }
};

// A subcommand of `parent`, set up for our rules: prefix mode when it takes a
// command, the last of a repeated option wins (as in env(1)), no fallthrough.
CLI::App* addSubcommand(CLI::App& parent, const std::string& name, const std::string& summary,
                        const std::string& operands);

// Whole numbers by std::from_chars: digits only (a leading '-' for negatives), within [min, max].
std::optional<long long> wholeNumber(std::string_view text, long long min, long long max);

// Validators whose messages read "--timeout: 'lots' is not a whole number from 0 to ...".
CLI::Validator wholeIn(long long min, long long max);
// `problem` says what is wrong with a value, or returns "" when it is fine.
CLI::Validator checkedBy(std::function<std::string(const std::string&)> problem);

// Parses argv for `commands` (children of `app`): the chosen command and the words
// after our options. Throws CLI::ParseError (CallForHelp, CallForVersion included)
// or UsageError.
struct Parsed {
    const Command* command = nullptr;
    std::vector<std::string> words;
};
Parsed parseCommandLine(CLI::App& app, const std::vector<Command>& commands, const std::vector<std::string>& args);

// The help as childproc has always printed it (so the man page from help2man
// reads the same): a command's usage, summary, options and footer; for the top
// app, every command's section and the exit statuses.
class HelpFormatter : public CLI::Formatter {
public:
    explicit HelpFormatter(const std::vector<Command>& commands) : commands_(commands) {}
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;

private:
    std::string commandHelp(const Command& c, bool asSection) const;
    std::string topHelp() const;
    const std::vector<Command>& commands_;
};

}  // namespace cli
