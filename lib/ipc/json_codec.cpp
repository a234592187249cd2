// SPDX-License-Identifier: MIT
#include "ipc/json_codec.hpp"

#include "core/utf8.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace childproc::detail {

namespace {

constexpr const char* kReplacement = kReplacementChar;

// The first byte at or after p that a JSON string cannot carry as is: a control
// character, '"', '\\', or a non-ASCII byte (which needs UTF-8 validation).
#if defined(__x86_64__)
// A signed compare with 0x20 catches both the control characters and the bytes >= 0x80.
__attribute__((target("avx2"))) inline __m256i special32(const unsigned char* p) {
    const __m256i space = _mm256_set1_epi8(0x20), quote = _mm256_set1_epi8('"'), backslash = _mm256_set1_epi8('\\');
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm256_or_si256(_mm256_cmpgt_epi8(space, v),
                           _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash)));
}

// 128 bytes per step with one test, as a long plain string is the common case; the
// step that holds a special byte is then searched 32 bytes at a time.
__attribute__((target("avx2"))) const unsigned char* plainRun32(const unsigned char* p, const unsigned char* end) {
    while (end - p >= 128) {
        const __m256i any = _mm256_or_si256(_mm256_or_si256(special32(p), special32(p + 32)),
                                            _mm256_or_si256(special32(p + 64), special32(p + 96)));
        if (!_mm256_testz_si256(any, any)) break;
        p += 128;
    }
    while (end - p >= 32) {
        if (const int mask = _mm256_movemask_epi8(special32(p))) return p + __builtin_ctz(static_cast<unsigned>(mask));
        p += 32;
    }
    return p;
}
#endif

// 128 and 32 (AVX2, where the CPU has it), 16 (SSE2) or 8 bytes per step: this scan is what
// a 64 KiB message costs.
const unsigned char* plainRun(const unsigned char* p, const unsigned char* end) {
#if defined(__x86_64__)
    static const bool avx2 = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    if (avx2) {
        p = plainRun32(p, end);
        if (end - p >= 32) return p;
    }
#endif
#if defined(__SSE2__)
    // A signed compare with 0x20 catches both the control characters and the bytes >= 0x80.
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i special = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                             _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        if (const int mask = _mm_movemask_epi8(special)) return p + __builtin_ctz(static_cast<unsigned>(mask));
        p += 16;
    }
#endif
    constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    auto hasZero = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
    while (end - p >= 8) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        const std::uint64_t special = (v & highs)                         // >= 0x80
                                      | ((v - ones * 0x20) & ~v & highs)  // < 0x20
                                      | hasZero(v ^ (ones * '"')) | hasZero(v ^ (ones * '\\'));
        if (special) break;
        p += 8;
    }
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') ++p;
    return p;
}

void encodeString(const std::string& s, std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    // Room for the quotes and the framing after them ("}\n" at most), so that a message
    // that is mostly one long string is written without growing the buffer again.
    out.reserve(out.size() + s.size() + 4);
    out += '"';
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const auto* run = p;
        p = plainRun(p, end);
        out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
        if (p == end) break;
        const unsigned char c = *p;
        if (c >= 0x80) {
            std::size_t bad = 0;
            if (std::size_t n = utf8Sequence(p, end, bad)) {
                out.append(reinterpret_cast<const char*>(p), n);
                p += n;
            } else {
                out += kReplacement;
                p += bad;
            }
            continue;
        }
        ++p;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    out += '"';
}

class Parser {
public:
    Parser(std::string_view text, std::string& why)
        : p_(reinterpret_cast<const unsigned char*>(text.data())), end_(p_ + text.size()), begin_(p_), why_(why) {}

    std::optional<nlohmann::json> document() {
        nlohmann::json v;
        ws();
        if (!value(v, 0)) return std::nullopt;
        ws();
        if (p_ != end_) return fail("unexpected text after the value");
        return v;
    }

private:
    std::nullopt_t fail(const char* what) {
        why_ = std::string(what) + " at byte " + std::to_string(p_ - begin_);
        return std::nullopt;
    }
    bool failed(const char* what) {
        fail(what);
        return false;
    }

    void ws() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
    }

    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::string_view(reinterpret_cast<const char*>(p_), word.size()) != word)
            return failed("invalid literal");
        p_ += word.size();
        return true;
    }

    bool value(nlohmann::json& out, int depth) {
        if (p_ == end_) return failed("unexpected end");
        switch (*p_) {
        case '{': return object(out, depth + 1);
        case '[': return array(out, depth + 1);
        case '"': {
            std::string s;
            if (!string(s)) return false;
            out = std::move(s);
            return true;
        }
        case 't': out = true; return literal("true");
        case 'f': out = false; return literal("false");
        case 'n': out = nullptr; return literal("null");
        default: return number(out);
        }
    }

    bool object(nlohmann::json& out, int depth) {
        if (depth > kMaxJsonDepth) return failed("nesting too deep");
        ++p_;
        out = nlohmann::json::object();
        auto& obj = out.get_ref<nlohmann::json::object_t&>();
        ws();
        if (p_ < end_ && *p_ == '}') {
            ++p_;
            return true;
        }
        for (;;) {
            ws();
            if (p_ == end_ || *p_ != '"') return failed("expected a string key");
            std::string key;
            if (!string(key)) return false;
            ws();
            if (p_ == end_ || *p_ != ':') return failed("expected ':'");
            ++p_;
            ws();
            nlohmann::json v;
            if (!value(v, depth)) return false;
            obj.insert_or_assign(std::move(key), std::move(v));
            ws();
            if (p_ == end_) return failed("unterminated object");
            if (*p_ == '}') {
                ++p_;
                return true;
            }
            if (*p_ != ',') return failed("expected ',' or '}'");
            ++p_;
        }
    }

    bool array(nlohmann::json& out, int depth) {
        if (depth > kMaxJsonDepth) return failed("nesting too deep");
        ++p_;
        out = nlohmann::json::array();
        auto& arr = out.get_ref<nlohmann::json::array_t&>();
        ws();
        if (p_ < end_ && *p_ == ']') {
            ++p_;
            return true;
        }
        for (;;) {
            ws();
            arr.emplace_back();
            if (!value(arr.back(), depth)) return false;
            ws();
            if (p_ == end_) return failed("unterminated array");
            if (*p_ == ']') {
                ++p_;
                return true;
            }
            if (*p_ != ',') return failed("expected ',' or ']'");
            ++p_;
        }
    }

    bool hex4(std::uint32_t& v) {
        if (end_ - p_ < 4) return failed("short \\u escape");
        v = 0;
        for (int i = 0; i < 4; ++i) {
            const unsigned char c = *p_++;
            v <<= 4;
            if (c >= '0' && c <= '9') v |= c - '0';
            else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
            else return failed("bad \\u escape");
        }
        return true;
    }

    bool string(std::string& out) {
        ++p_;  // the opening quote
        for (;;) {
            const auto* run = p_;
            p_ = plainRun(p_, end_);
            out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p_ - run));
            if (p_ == end_) return failed("unterminated string");
            const unsigned char c = *p_;
            if (c == '"') {
                ++p_;
                return true;
            }
            if (c < 0x20) return failed("control character in a string");
            if (c >= 0x80) {
                std::size_t bad = 0;
                if (std::size_t n = utf8Sequence(p_, end_, bad)) {
                    out.append(reinterpret_cast<const char*>(p_), n);
                    p_ += n;
                } else {
                    out += kReplacement;
                    p_ += bad;
                }
                continue;
            }
            ++p_;  // backslash
            if (p_ == end_) return failed("unterminated escape");
            switch (*p_++) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                std::uint32_t cp;
                if (!hex4(cp)) return false;
                if (isHighSurrogate(cp) && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
                    const auto* save = p_;
                    p_ += 2;
                    std::uint32_t lo;
                    if (!hex4(lo)) return false;
                    if (isLowSurrogate(lo)) {
                        appendUtf8(out, fromSurrogates(cp, lo));
                        break;
                    }
                    p_ = save;  // not a pair: the high one is lone
                }
                if (isSurrogate(cp)) out += kReplacement;  // lone surrogate
                else appendUtf8(out, cp);
                break;
            }
            default: return failed("bad escape");
            }
        }
    }

    bool number(nlohmann::json& out) {
        const auto* start = p_;
        if (p_ < end_ && *p_ == '-') ++p_;
        if (p_ == end_ || *p_ < '0' || *p_ > '9') return failed("invalid value");
        if (*p_ == '0') ++p_;
        else
            while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
        bool integral = true;
        if (p_ < end_ && *p_ == '.') {
            integral = false;
            ++p_;
            if (p_ == end_ || *p_ < '0' || *p_ > '9') return failed("digits expected after '.'");
            while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
        }
        if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
            integral = false;
            ++p_;
            if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (p_ == end_ || *p_ < '0' || *p_ > '9') return failed("digits expected in the exponent");
            while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
        }
        const char* first = reinterpret_cast<const char*>(start);
        const char* last = reinterpret_cast<const char*>(p_);
        if (integral) {
            // As nlohmann's parser types them: unsigned when not negative, else signed.
            if (*first != '-') {
                std::uint64_t u;
                if (std::from_chars(first, last, u).ec == std::errc()) {
                    out = u;
                    return true;
                }
            } else {
                std::int64_t i;
                if (std::from_chars(first, last, i).ec == std::errc()) {
                    out = i;
                    return true;
                }
            }
        }
        double d;
        auto r = std::from_chars(first, last, d);
        if (r.ec == std::errc::result_out_of_range)
            d = *first == '-' ? -HUGE_VAL : HUGE_VAL;  // as JSON.parse: ±Infinity
        out = d;
        return true;
    }

    const unsigned char* p_;
    const unsigned char* end_;
    const unsigned char* begin_;
    std::string& why_;
};

}  // namespace

void encodeJson(const nlohmann::json& j, std::string& out) {
    using T = nlohmann::json::value_t;
    switch (j.type()) {
    case T::object: {
        out += '{';
        bool first = true;
        for (const auto& [k, v] : j.items()) {
            if (!first) out += ',';
            first = false;
            encodeString(k, out);
            out += ':';
            encodeJson(v, out);
        }
        out += '}';
        return;
    }
    case T::array: {
        out += '[';
        bool first = true;
        for (const auto& v : j) {
            if (!first) out += ',';
            first = false;
            encodeJson(v, out);
        }
        out += ']';
        return;
    }
    case T::string: encodeString(j.get_ref<const std::string&>(), out); return;
    case T::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case T::number_integer:
    case T::number_unsigned:
    case T::number_float: out += j.dump(); return;  // NaN and ±Infinity come out as null, as in JS
    case T::null:
    case T::binary:
    case T::discarded: out += "null"; return;
    }
}

std::optional<nlohmann::json> decodeJson(std::string_view text, std::string& why) {
    return Parser(text, why).document();
}

}  // namespace childproc::detail
