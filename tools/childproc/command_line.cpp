// SPDX-License-Identifier: MIT
#include "command_line.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace cli {

namespace {

constexpr const char* kExitStatus =
    "Exit status:\n"
    "  the child's exit code, or 128+N when a signal N ended it;\n"
    "  125  our own error: a usage error, a bad cwd, an internal failure;\n"
    "  126  the program was found but could not be run (EACCES, ...);\n"
    "  127  the program was not found.\n";

constexpr const char* kExamples =
    "Examples:\n"
    "  childproc spawn -- ls -l /tmp\n"
    "  childproc exec --timeout 1000 'sleep 5'\n"
    "  yes | head -c 1000 | childproc pipeline wc -c\n"
    "  childproc fork --send '{\"hi\":1}' --disconnect childproc ipc-echo\n"
    "  childproc tour\n";

// "  --cwd DIR               working directory ...": the name column is 26 wide.
std::string optionLine(const CLI::Option& o) {
    std::string head = "  " + o.get_name();
    const std::string value = o.get_type_name();
    const bool flag = o.get_expected_max() == 0;
    if (!value.empty()) head += flag ? "[=" + value + "]" : " " + value;  // a flag's value only after '='
    if (head.size() < 26) head.resize(26, ' ');
    else head += "\n" + std::string(26, ' ');
    return head + o.get_description() + "\n";
}

std::string indented(const std::string& text) {
    std::string out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) out += "  " + line + "\n";
    return out;
}

const Command* commandFor(const std::vector<Command>& commands, const CLI::App* app) {
    for (const auto& c : commands)
        if (c.app == app) return &c;
    return nullptr;
}

}  // namespace

CLI::App* addSubcommand(CLI::App& parent, const std::string& name, const std::string& summary,
                        const std::string& operands) {
    CLI::App* sub = parent.add_subcommand(name, summary);
    sub->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    sub->set_help_flag("-h,--help", "show this help");
    // Words that are not our options are handed back (parseCommandLine says what they are).
    if (operands.empty()) sub->allow_extras();
    else sub->prefix_command();
    return sub;
}

std::optional<long long> wholeNumber(std::string_view text, long long min, long long max) {
    long long v = 0;
    const char* end = text.data() + text.size();
    const auto [at, err] = std::from_chars(text.data(), end, v);
    if (text.empty() || text.front() == '+' || err != std::errc() || at != end || v < min || v > max)
        return std::nullopt;
    return v;
}

CLI::Validator wholeIn(long long min, long long max) {
    return checkedBy([min, max](const std::string& v) {
        return wholeNumber(v, min, max)
                   ? std::string()
                   : "'" + v + "' is not a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    });
}

CLI::Validator checkedBy(std::function<std::string(const std::string&)> problem) {
    return CLI::Validator([problem = std::move(problem)](std::string& v) { return problem(v); }, "");
}

Parsed parseCommandLine(CLI::App& app, const std::vector<Command>& commands, const std::vector<std::string>& args) {
    if (args.empty()) throw UsageError("missing COMMAND");
    const bool named = std::any_of(commands.begin(), commands.end(),
                                   [&](const Command& c) { return c.app->get_name() == args.front(); });
    const bool topOption = args.front() == "-h" || args.front() == "--help" || args.front() == "--version";
    if (!named && !topOption)
        throw UsageError((args.front().rfind('-', 0) == 0 ? "unrecognized option '" : "unknown command '") +
                         args.front() + "'");
    // Our options end at the first "--"; what follows is the child's, never read as ours.
    const auto dash = std::find(args.begin(), args.end(), "--");
    std::vector<std::string> ours(args.begin(), dash);
    std::reverse(ours.begin(), ours.end());  // CLI11 takes them last first
    app.parse(ours);
    const auto chosen = app.get_subcommands();
    const Command* c = chosen.empty() ? nullptr : commandFor(commands, chosen.front());
    if (!c) throw UsageError("missing COMMAND");
    Parsed p{c, c->app->remaining()};
    // In prefix mode an option we do not know ends ours too: it is a mistake, not the child's.
    if (!p.words.empty() && p.words.front().size() > 1 && p.words.front()[0] == '-')
        throw UsageError("unrecognized option '" + p.words.front() + "'");
    if (dash != args.end()) {
        if (!p.words.empty()) p.words.push_back("--");  // after the program: the child's own "--"
        p.words.insert(p.words.end(), dash + 1, args.end());
    }
    if (!c->takesCommand() && !p.words.empty()) throw UsageError("unexpected argument '" + p.words.front() + "'");
    if (c->takesCommand() && p.words.empty()) throw UsageError("missing " + c->operands);
    return p;
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const {
    if (const Command* c = commandFor(commands_, app)) return commandHelp(*c, false) + "\n" + kExitStatus;
    return topHelp();
}

std::string HelpFormatter::commandHelp(const Command& c, bool asSection) const {
    const CLI::App& app = *c.app;
    const std::string usage =
        "childproc " + app.get_name() + " [OPTION]..." + (c.operands.empty() ? "" : " " + c.operands);
    std::string out = (asSection ? usage + ":\n" : "Usage: " + usage + "\n") + app.get_description() + "\n\n";
    std::string options;
    for (const CLI::Option* o : app.get_options())
        if (o != app.get_help_ptr()) options += optionLine(*o);
    if (!options.empty() && !asSection)
        out += std::string("Options (only before ") + (c.takesCommand() ? "the command" : "nothing else") + "):\n";
    out += options;
    if (!asSection) out += "  -h, --help              show this help\n";
    const std::string footer = app.get_footer();
    if (!footer.empty()) out += "\n" + (asSection ? indented(footer) : footer + "\n");
    return out;
}

// The whole reference: what `childproc --help` (and so the man page) shows.
std::string HelpFormatter::topHelp() const {
    std::string out =
        "Usage: childproc COMMAND [OPTION]... [FILE [ARG]...]\n"
        "Node.js's child_process and cluster from a terminal, on the childproc C++ library.\n"
        "Our options come before the program, as env(1) and timeout(1) take theirs: the\n"
        "first word that is not an option starts the child's command, and -- ends our\n"
        "options (and is not passed on).\n\n"
        "Commands:\n";
    for (const auto& c : commands_) {
        std::string head = "  " + c.app->get_name();
        head.resize(14, ' ');
        out += head + c.app->get_description() + "\n";
    }
    out +=
        "\n  -h, --help      show this help (COMMAND --help: that command's)\n"
        "      --version   output version information and exit\n";
    for (const auto& c : commands_) out += "\n" + commandHelp(c, true);
    return out + "\n" + kExitStatus + "\n" + kExamples;
}

}  // namespace cli
