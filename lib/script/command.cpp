// SPDX-License-Identifier: MIT
// A command is a value: every change makes a new one.

#include <string>

#include "childproc/script.hpp"
#include "script/quote.hpp"

namespace childproc::script {

namespace {

// Node refuses a NUL in an argument too; ours names the word.
void refuseNul(const std::string& word, std::size_t index, const std::string& file) {
    if (word.find('\0') == std::string::npos) return;
    throw Error("Argument " + std::to_string(index) + " of " + detail::shellQuote(file) +
                    " contains a NUL byte, which no program can receive",
                "ERR_INVALID_ARG_VALUE", "TypeError");
}

}  // namespace

Cmd::Cmd(Settings::Values settings, std::string file, std::vector<std::string> args) {
    refuseNul(file, 0, file);
    for (std::size_t i = 0; i < args.size(); ++i) refuseNul(args[i], i + 1, file);
    if (file.empty()) throw Error("A command needs a program", "ERR_INVALID_ARG_VALUE", "TypeError");
    spec_.settings = std::move(settings);
    spec_.stages.push_back(Stage{std::move(file), std::move(args), Piped::out});
}

Cmd operator|(Cmd a, const Cmd& b) {
    if (a.spec_.stdoutFile && a.spec_.stages.back().piped != Piped::err)
        throw Error("A command whose stdout goes to a file cannot pipe it on: " + a.toString(), "ERR_INVALID_ARG_VALUE",
                    "TypeError");
    if (b.spec_.input || b.spec_.inputFile)
        throw Error("The command after | reads the pipe; it cannot have input too: " + b.toString(),
                    "ERR_INVALID_ARG_VALUE", "TypeError");
    a.spec_.stages.insert(a.spec_.stages.end(), b.spec_.stages.begin(), b.spec_.stages.end());
    a.spec_.stdoutFile = b.spec_.stdoutFile;
    a.spec_.stderrFile = b.spec_.stderrFile;
    return a;  // the first command's settings run the pipeline
}

Cmd Cmd::pipeFrom(Piped what) const {
    Cmd c = *this;
    c.spec_.stages.back().piped = what;
    return c;
}
Cmd Cmd::input(std::string text) const {
    Cmd c = *this;
    c.spec_.input = std::move(text);
    c.spec_.inputFile.reset();
    return c;
}
Cmd Cmd::inputFile(std::filesystem::path path) const {
    Cmd c = *this;
    c.spec_.inputFile = std::move(path);
    c.spec_.input.reset();
    return c;
}
Cmd Cmd::stdoutTo(std::filesystem::path path, Write mode) const {
    Cmd c = *this;
    c.spec_.stdoutFile = Redirect{std::move(path), mode};
    return c;
}
Cmd Cmd::stderrTo(std::filesystem::path path, Write mode) const {
    Cmd c = *this;
    c.spec_.stderrFile = Redirect{std::move(path), mode};
    return c;
}
Cmd Cmd::with(const Settings& s) const {
    Cmd c = *this;
    c.spec_.settings = s.values();
    return c;
}

std::string Cmd::toString() const {
    std::string line;
    for (std::size_t i = 0; i < spec_.stages.size(); ++i) {
        const Stage& s = spec_.stages[i];
        line += detail::shellLine(s.file, s.args);
        if (i == 0 && spec_.inputFile) line += " < " + detail::shellQuote(spec_.inputFile->string());
        if (i + 1 == spec_.stages.size()) break;
        line += s.piped == Piped::out ? " | " : s.piped == Piped::err ? " 2>&1 >/dev/null | " : " 2>&1 | ";
    }
    if (spec_.stdoutFile)
        line += (spec_.stdoutFile->mode == Write::append ? " >> " : " > ") +
                detail::shellQuote(spec_.stdoutFile->path.string());
    if (spec_.stderrFile)
        line += (spec_.stderrFile->mode == Write::append ? " 2>> " : " 2> ") +
                detail::shellQuote(spec_.stderrFile->path.string());
    return line;
}

}  // namespace childproc::script
