// SPDX-License-Identifier: MIT
#pragma once
// Small helpers for writing the page: escaping and number formatting.

#include <cstdio>
#include <string>
#include <string_view>

namespace childproc::timeline::markup {

inline std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

// A coordinate or a time, with one decimal: enough for a picture, short in the file.
inline std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", v);
    return b;
}

inline std::string ms(double v) {
    char b[32];
    if (v >= 10000) std::snprintf(b, sizeof b, "%.2f s", v / 1000);
    else std::snprintf(b, sizeof b, v < 1 ? "%.3f ms" : v < 10 ? "%.2f ms" : "%.1f ms", v);
    return b;
}

}  // namespace childproc::timeline::markup
