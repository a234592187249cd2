// SPDX-License-Identifier: MIT
#include "args.hpp"

#include <cerrno>
#include <cstdlib>

namespace cli {

namespace {

const Option* find(const Command& c, const std::string& name) {
    for (const auto& o : c.options)
        if (o.name == name) return &o;
    return nullptr;
}

}  // namespace

std::vector<std::string> parseOptions(const Command& c, const std::vector<std::string>& args) {
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg == "--help" || arg == "-h") return {"--help"};
        if (arg.size() < 2 || arg[0] != '-') break;  // the child's command starts here
        const auto eq = arg.find('=');
        const std::string name = arg.substr(0, eq);
        const Option* o = name.rfind("--", 0) == 0 ? find(c, name) : nullptr;
        if (!o) throw UsageError("unrecognized option '" + arg + "'");
        if (o->value.empty()) {
            if (eq != std::string::npos) throw UsageError("option '" + name + "' takes no value");
            o->set("");
        } else if (eq != std::string::npos) {
            o->set(arg.substr(eq + 1));
        } else if (o->valueOptional) {
            o->set("");
        } else {
            if (i + 1 >= args.size()) throw UsageError("option '" + name + "' needs a value (" + o->value + ")");
            o->set(args[++i]);
        }
    }
    std::vector<std::string> words(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    if (!c.takesCommand && !words.empty()) throw UsageError("unexpected argument '" + words.front() + "'");
    return words;
}

void printHelp(std::ostream& out, const Command& c, bool asSection) {
    const std::string usage = "childproc " + c.name + " [OPTION]..." + (c.operands.empty() ? "" : " " + c.operands);
    if (asSection) out << usage << ":\n" << c.summary << "\n\n";
    else out << "Usage: " << usage << "\n" << c.summary << "\n\n";
    if (!c.options.empty() && !asSection)
        out << "Options (only before " << (c.takesCommand ? "the command" : "nothing else") << "):\n";
    for (const auto& o : c.options) {
        std::string head = "  " + o.name;
        if (!o.value.empty()) head += o.valueOptional ? "[=" + o.value + "]" : " " + o.value;
        if (head.size() < 26) head.resize(26, ' ');
        else head += "\n" + std::string(26, ' ');
        out << head << o.help << "\n";
    }
    if (!asSection) out << "  -h, --help              show this help\n";
    if (c.footer.empty()) return;
    if (asSection) {  // indented, so that it stays with its command
        out << "\n";
        std::size_t start = 0;
        for (std::size_t nl; (nl = c.footer.find('\n', start)) != std::string::npos; start = nl + 1)
            out << "  " << c.footer.substr(start, nl - start) << "\n";
        out << "  " << c.footer.substr(start) << "\n";
    } else {
        out << "\n" << c.footer << "\n";
    }
}

long long parseWhole(const std::string& option, const std::string& text, long long min, long long max) {
    const auto bad = [&] {
        return UsageError(option + ": '" + text + "' is not a whole number from " + std::to_string(min) + " to " +
                          std::to_string(max));
    };
    const bool negative = !text.empty() && text[0] == '-';
    const std::string digits = negative ? text.substr(1) : text;
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) throw bad();
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno == ERANGE || v < min || v > max) throw bad();
    return v;
}

}  // namespace cli
