// SPDX-License-Identifier: MIT
// A command format's words: split on blanks, each {} replaced by exactly one
// argument (a range stands alone and gives one argument per element).

#include <string>
#include <string_view>
#include <vector>

#include "childproc/script.hpp"

namespace childproc::script::detail {

namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }  // execa's separators

}  // namespace

std::vector<std::string> expandFormat(std::string_view format, std::vector<FormatArg> args) {
    std::vector<std::string> words;
    std::size_t next = 0;
    std::size_t i = 0;
    while (i < format.size()) {
        while (i < format.size() && blank(format[i])) ++i;
        if (i == format.size()) break;
        std::string word;
        bool wholeRange = false;
        const std::size_t start = i;
        for (; i < format.size() && !blank(format[i]); ++i) {
            const char c = format[i];
            if ((c == '{' || c == '}') && i + 1 < format.size() && format[i + 1] == c) {
                word += c;  // {{ and }}
                ++i;
            } else if (c == '{') {  // {} (the format was checked at compile time)
                ++i;
                FormatArg& a = args.at(next++);
                const bool alone = i - 1 == start && (i + 1 == format.size() || blank(format[i + 1]));
                if (a.range && !alone)
                    throw Error("A range passed for {} must stand alone as a word of the command format",
                                "ERR_INVALID_ARG_VALUE", "TypeError");
                if (a.range) {
                    for (auto& w : a.words) words.push_back(std::move(w));
                    wholeRange = true;
                } else {
                    word += a.words.front();
                }
            } else {
                word += c;
            }
        }
        if (!wholeRange) words.push_back(std::move(word));
    }
    return words;
}

}  // namespace childproc::script::detail
