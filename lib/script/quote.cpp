// SPDX-License-Identifier: MIT
#include "script/quote.hpp"

namespace childproc::script::detail {

namespace {

bool safeBare(std::string_view w) {
    if (w.empty()) return false;
    for (unsigned char c : w) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  std::string_view("-_./:=,+@%^").find(static_cast<char>(c)) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::string shellQuote(std::string_view word) {
    if (safeBare(word)) return std::string(word);
    std::string q = "'";
    for (char c : word) {
        if (c == '\'') q += "'\\''";  // close, an escaped quote, reopen
        else q += c;
    }
    return q + "'";
}

std::string shellLine(const std::string& file, const std::vector<std::string>& args) {
    std::string line = shellQuote(file);
    for (const auto& a : args) (line += ' ') += shellQuote(a);
    return line;
}

}  // namespace childproc::script::detail
