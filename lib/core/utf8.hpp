// SPDX-License-Identifier: MIT
#pragma once
// UTF-8 validation by the WHATWG decoder's table, shared by exec's 'utf8' decoding
// and the IPC codec so that both replace exactly what Node replaces.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace childproc::detail {

inline constexpr char kReplacementChar[] = "\xEF\xBF\xBD";  // U+FFFD

// Appends code point cp (at most U+10FFFF) as UTF-8.
inline void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Length (2-4) of the valid multi-byte sequence at p, or 0 with `bad` set to the
// length of the maximal invalid subpart that one U+FFFD replaces.
inline std::size_t utf8Sequence(const unsigned char* p, const unsigned char* end, std::size_t& bad) {
    const unsigned char b = *p;
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) need = 1;
    else if (b == 0xE0) {
        need = 2;
        lo = 0xA0;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) need = 2;
    else if (b == 0xED) {
        need = 2;
        hi = 0x9F;
    } else if (b == 0xF0) {
        need = 3;
        lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) need = 3;
    else if (b == 0xF4) {
        need = 3;
        hi = 0x8F;
    }
    if (need == 0) {
        bad = 1;
        return 0;
    }
    std::size_t j = 1;
    for (; j <= need && p + j < end; ++j) {
        const unsigned char c = p[j];
        if (c < (j == 1 ? lo : 0x80) || c > (j == 1 ? hi : 0xBF)) break;
    }
    if (j == need + 1) return need + 1;
    bad = j;
    return 0;
}

// UTF-16 surrogates, where JSON's \u escapes and V8's two-byte strings meet UTF-8.
inline bool isHighSurrogate(std::uint32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
inline bool isLowSurrogate(std::uint32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }
inline bool isSurrogate(std::uint32_t u) { return u >= 0xD800 && u <= 0xDFFF; }
inline std::uint32_t fromSurrogates(std::uint32_t hi, std::uint32_t lo) {
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

// UTF-8 → code points; each invalid sequence is one U+FFFD, as everywhere in childproc.
inline std::vector<std::uint32_t> codePoints(const std::string& s) {
    std::vector<std::uint32_t> cps;
    cps.reserve(s.size());
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        if (*p < 0x80) {
            cps.push_back(*p++);
            continue;
        }
        std::size_t bad = 0;
        const std::size_t n = utf8Sequence(p, end, bad);
        if (n == 0) {
            cps.push_back(0xFFFD);
            p += bad;
            continue;
        }
        std::uint32_t cp = p[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
        for (std::size_t i = 1; i < n; ++i) cp = (cp << 6) | (p[i] & 0x3F);
        cps.push_back(cp);
        p += n;
    }
    return cps;
}

}  // namespace childproc::detail
