// SPDX-License-Identifier: MIT
// The IPC JSON codec: JSON.stringify's output, JSON.parse's input, and the
// byte-level cases (escapes, surrogates, invalid UTF-8, depth) a peer can send.

#include <gtest/gtest.h>

#include "ipc/codec.hpp"
#include "ipc/json_codec.hpp"
#include "ipc/json_lines_codec.hpp"

using childproc::detail::decodeJson;
using childproc::detail::encodeJson;
using nlohmann::json;

namespace {
std::string enc(const json& j) {
    std::string s;
    encodeJson(j, s);
    return s;
}
std::optional<json> dec(std::string_view s) {
    std::string why;
    return decodeJson(s, why);
}
}  // namespace

TEST(JsonCodec, EncodesAsJsonStringify) {
    // Expected strings are what node prints for JSON.stringify of the same value.
    EXPECT_EQ(enc({{"hello", "world"}}), R"({"hello":"world"})");
    EXPECT_EQ(enc("a\nb\t\"q\"\\\x01\x1f\x7f"), R"("a\nb\t\"q\"\\\u0001\u001f)"
                                                "\x7f\"");
    EXPECT_EQ(enc("\u2028 é 𝄞"), "\"\u2028 é 𝄞\"");  // raw UTF-8, U+2028 included
    EXPECT_EQ(enc(json::array({1, -2, 1.5, true, nullptr})), "[1,-2,1.5,true,null]");
    EXPECT_EQ(enc(std::numeric_limits<double>::quiet_NaN()), "null");
    EXPECT_EQ(enc(json::object()), "{}");
    EXPECT_EQ(enc(json::array()), "[]");
}

TEST(JsonCodec, InvalidUtf8IsSentAsReplacement) {
    EXPECT_EQ(enc("a\xff"
                  "b\xc3"),
              "\"a\xEF\xBF\xBD"
              "b\xEF\xBF\xBD\"");
}

TEST(JsonCodec, LongPlainStringsRoundTrip) {
    std::string big(100000, 'x');
    big[70001] = '"';
    big[99998] = '\n';
    auto back = dec(enc(big));
    ASSERT_TRUE(back);
    EXPECT_TRUE(*back == big);
}

// The scan goes 128, 32, 16 or 8 bytes per step, with a byte-wise tail: a character
// that needs care is found wherever it falls in a block, in either direction.
TEST(JsonCodec, EverySpecialByteIsFoundAtEveryOffset) {
    const std::string specials[] = {"\"", "\\", "\n", std::string(1, '\0'), "\x1f", "\xc3\xa9", "\xff", " "};
    for (const std::string& special : specials) {
        for (std::size_t at = 0; at < 300; ++at) {
            std::string s(300, 'a');
            s.replace(at, 1, special);
            const std::string wire = enc(s);
            // As nlohmann (and JSON.stringify) write it, but invalid UTF-8 as U+FFFD.
            std::string valid = s;
            if (special == "\xff") valid.replace(at, 1, "\xEF\xBF\xBD");
            EXPECT_EQ(wire, json(valid).dump())
                << "special " << int(static_cast<unsigned char>(special[0])) << " at " << at;
            auto back = dec(wire);
            ASSERT_TRUE(back) << at;
            EXPECT_EQ(*back, valid) << at;
            // The byte as it was, unescaped, is refused where JSON.parse refuses it.
            const std::string raw = "\"" + s + "\"";
            const bool refused =
                special == "\n" || special[0] == '\0' || special == "\x1f" || special == "\"" || special == "\\";
            EXPECT_EQ(!dec(raw).has_value(), refused) << "raw special at " << at;
        }
    }
}

TEST(JsonCodec, DecodesWhatJsonParseAccepts) {
    EXPECT_EQ(*dec(R"( {"a":[1,2,{"b":null}],"c":"d"} )"), json::parse(R"({"a":[1,2,{"b":null}],"c":"d"})"));
    EXPECT_EQ(*dec("-0.5e2"), -50.0);
    EXPECT_EQ(*dec("18446744073709551615"), 18446744073709551615ULL);
    EXPECT_EQ(*dec("-9223372036854775808"), INT64_MIN);
    EXPECT_TRUE(dec("1e400")->get<double>() > 1e308);  // JSON.parse gives Infinity
    EXPECT_EQ(*dec(R"("\u00e9\ud834\udd1e\/")"), "é𝄞/");
    EXPECT_EQ(*dec(R"({"k":1,"k":2})"), json({{"k", 2}}));  // the last key wins, as in JS
}

TEST(JsonCodec, LoneSurrogatesAndInvalidBytesBecomeReplacement) {
    EXPECT_EQ(*dec(R"("a\ud800b")"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(*dec(R"("\udc00")"), "\xEF\xBF\xBD");
    EXPECT_EQ(*dec("\"x\xff\""), "x\xEF\xBF\xBD");
}

TEST(JsonCodec, RejectsWhatJsonParseRejects) {
    for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\x01\"", "\"abc", "[1] x", "'a'",
                            "{a:1}", "\"\\x\"", "\"\\u12\"", "NaN", "+1"})
        EXPECT_FALSE(dec(bad)) << bad;
}

TEST(JsonCodec, DeepNestingIsRefusedNotACrash) {
    std::string deep(1'000'000, '[');
    std::string why;
    EXPECT_FALSE(decodeJson(deep, why));
    EXPECT_NE(why.find("too deep"), std::string::npos);
    std::string ok = std::string(100, '[') + std::string(100, ']');
    EXPECT_TRUE(dec(ok));
}

TEST(JsonCodec, FramingAgreesWithTheCodec) {
    childproc::detail::LineDecoder d;
    std::vector<std::string> lines;
    d.feed("{\"a\":1}\n{\"b\":", [&](std::string_view l) { lines.emplace_back(l); });
    EXPECT_TRUE(d.buffering());
    d.feed("2}\r\n", [&](std::string_view l) { lines.emplace_back(l); });
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(*childproc::detail::decodeLine(lines[1]).message->json(childproc::unlimited), json({{"b", 2}}));
    EXPECT_TRUE(childproc::detail::isInternal(json{{"cmd", "NODE_HANDLE"}}));
    EXPECT_FALSE(childproc::detail::isInternal(json{{"cmd", "NODE_"}}));
    EXPECT_FALSE(childproc::detail::isInternal(json{{"cmd", 5}}));
}
