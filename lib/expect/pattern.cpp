// SPDX-License-Identifier: MIT
#include "childproc/expect.hpp"

#include <utility>

namespace childproc {

Pattern::Pattern(std::string text) : text_(std::move(text)) {}
Pattern::Pattern(std::regex re) : regex_(std::move(re)) {}

std::optional<Pattern::Found> Pattern::find(std::string_view text, std::size_t from) const {
    if (!regex_) {
        // A match that ends in the new text may start up to size()-1 bytes before it.
        const std::size_t start = from >= text_.size() ? from - text_.size() + 1 : 0;
        const std::size_t at = text.find(text_, start);
        if (at == std::string_view::npos) return std::nullopt;
        return Found{at, text_.size(), {}};
    }
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_search(text.begin(), text.end(), m, *regex_)) return std::nullopt;
    Found f{static_cast<std::size_t>(m.position(0)), static_cast<std::size_t>(m.length(0)), {}};
    for (std::size_t i = 1; i < m.size(); ++i) f.groups.push_back(m[i].str());
    return f;
}

}  // namespace childproc
