// SPDX-License-Identifier: MIT
// The 'advanced' codec against bytes Node 20 itself wrote (captured from
// child.send() with serialization: 'advanced'): the same values make the same
// bytes, Node's bytes make the same values, and hostile bytes make errors.

#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "ipc/advanced_codec.hpp"
#include "ipc/v8_serializer.hpp"

using namespace childproc;
using namespace childproc::detail;

namespace {

std::string unhex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

std::string frame(const Value& v) {
    std::string out;
    AdvancedCodec().encodeValue(v, out);
    return out;
}

// A frame's value, through the codec.
struct Sink : CodecSink {
    std::vector<Decoded> got;
    std::vector<std::size_t> tooLarge;
    void onDecoded(std::string_view, Decoded d) override { got.push_back(std::move(d)); }
    void onTooLarge(std::size_t seen, std::size_t) override { tooLarge.push_back(seen); }
};

Value decodeFrame(const std::string& bytes) {
    auto d = deserializeV8(std::string_view(bytes).substr(4));
    EXPECT_TRUE(d.value.has_value()) << d.error;
    return d.value.value_or(Undefined{});
}

}  // namespace

// Node: c.send(v) for each v, the frames as they came out of the socket.
TEST(V8Serializer, SameBytesAsNode) {
    const std::vector<std::pair<Value, std::string>> cases = {
        {1, "00000004ff0f4902"},
        {-1, "00000004ff0f4901"},
        {1.5, "0000000bff0f4e000000000000f83f"},
        {"hi", "00000006ff0f22026869"},
        {"\xC3\xA9", "00000005ff0f2201e9"},        // é: one byte, Latin-1
        {"\xE2\x82\xAC", "00000006ff0f6302ac20"},  // €: two bytes, UTF-16
        {"a\xE2\x82\xAC", "00000008ff0f63046100ac20"},
        {true, "00000003ff0f54"},
        {nullptr, "00000003ff0f30"},
        {Bytes{"ab", Bytes::Kind::buffer}, "00000008ff0f5c000a026162"},
        {Bytes{std::string("\x01\x00\x02\x00", 4), Bytes::Kind::uint16Array}, "0000000aff0f5c00040401000200"},
        {Date{0}, "0000000bff0f440000000000000000"},
        {RegExp{"a+", "gi"}, "00000008ff0f522202612b03"},
        {Map{{1, "x"}}, "0000000aff0f3b49022201783a02"},
        {Set{2}, "00000007ff0f2749042c01"},
        {-0.0, "0000000bff0f4e0000000000000080"},
        {2147483648.0, "0000000bff0f4e000000000000e041"},
        {Array{Undefined{}}, "00000008ff0f41015f240001"},
        {Bytes{std::string("\0\0", 2), Bytes::Kind::arrayBuffer}, "00000006ff0f42020000"},
        {Object{{"cmd", "NODE_HANDLE_ACK"}}, "0000001bff0f6f2203636d64220f4e4f44455f48414e444c455f41434b7b01"},
        {Object{{"big", BigInt::of(10)}, {"neg", BigInt::of(-256)}},
         "00000023ff0f6f22036269675a100a0000000000000022036e65675a1100010000000000007b02"},
    };
    for (const auto& [v, hex] : cases) {
        EXPECT_EQ(frame(v), unhex(hex)) << hex;
        EXPECT_EQ(frame(decodeFrame(unhex(hex))), unhex(hex)) << hex;
    }
}

TEST(V8Serializer, SharedAndCircularLikeNode) {
    // const o = {n: 1}; o.self = o
    auto o = std::make_shared<Object>(Object{{"n", 1}, {"self", Cycle{1}}});
    EXPECT_EQ(frame(o), unhex("00000012ff0f6f22016e4902220473656c665e007b02"));
    // const s = {k: 1}; [s, s]: one node, referenced again
    auto s = std::make_shared<Object>(Object{{"k", 1}});
    EXPECT_EQ(frame(Array{s, s}), unhex("00000011ff0f41026f22016b49027b015e01240002"));

    Value back = decodeFrame(unhex("00000011ff0f41026f22016b49027b015e01240002"));
    EXPECT_EQ(back[0].as<std::shared_ptr<Object>>(), back[1].as<std::shared_ptr<Object>>());  // one node
    Value cyc = decodeFrame(unhex("00000012ff0f6f22016e4902220473656c665e007b02"));
    EXPECT_EQ(cyc["self"].as<Cycle>().up, 1u);
    EXPECT_EQ(cyc["n"].as<double>(), 1);
}

// Bytes are read where they lie in the frame; one referenced again comes whole again.
TEST(V8Serializer, BytesReferencedAgainComeWhole) {
    auto bytes = [](const Value& v) { return std::pair(v.as<Bytes>().data, v.as<Bytes>().kind); };
    // const u = new Uint8Array([1, 2, 3]); [u, u] through Node's ChildProcessSerializer
    Value twice = decodeFrame(unhex("00000010ff0f41025c0001030102035e01240002"));
    EXPECT_EQ(bytes(twice[0]), std::pair(std::string("\x01\x02\x03", 3), Bytes::Kind::uint8Array));
    EXPECT_EQ(bytes(twice[1]), bytes(twice[0]));
    // const ab = new ArrayBuffer(4); [ab, ab], through a plain v8.Serializer
    Value buffers = decodeFrame(unhex("0000000fff0f41024204000000005e01240002"));
    EXPECT_EQ(bytes(buffers[1]), std::pair(std::string(4, '\0'), Bytes::Kind::arrayBuffer));
    // V8's own view (a Uint8Array over bytes 1..2 of [9, 8, 7, 6]), then its buffer by reference
    Value view = decodeFrame(unhex("00000014ff0f410242040908070656420102005e01240002"));
    EXPECT_EQ(bytes(view[0]), std::pair(std::string("\x08\x07", 2), Bytes::Kind::uint8Array));
    EXPECT_EQ(bytes(view[1]), std::pair(std::string("\x09\x08\x07\x06", 4), Bytes::Kind::arrayBuffer));
}

TEST(V8Serializer, NodesOwnFormsDecode) {
    // [1,,3] is sparse; {a: 1, 2: 'b'} has an integer key; new Number(3) is a wrapper.
    Value sparse = decodeFrame(unhex("0000000fff0f61034900490249044906400203"));
    ASSERT_TRUE(sparse.is<std::shared_ptr<Array>>());
    EXPECT_EQ(sparse.as<std::shared_ptr<Array>>()->size(), 3u);
    EXPECT_EQ(sparse[0].as<double>(), 1);
    EXPECT_TRUE(sparse[1].is<Undefined>());
    EXPECT_EQ(sparse[2].as<double>(), 3);
    Value obj = decodeFrame(unhex("0000000fff0f6f490422016222016149027b02"));
    EXPECT_EQ(obj["2"].as<std::string>(), "b");
    EXPECT_EQ(obj["a"].as<double>(), 1);
    EXPECT_EQ(decodeFrame(unhex("0000000bff0f6e0000000000000840")).as<double>(), 3);
    // new RangeError('x', {cause: 5}) with its stack
    Value err = decodeFrame(unhex("00000010ff0f72526d22017863490a732201782e"));
    const auto& e = err.as<ErrorValue>();
    EXPECT_EQ(e.name, "RangeError");
    EXPECT_EQ(e.message, "x");
    EXPECT_EQ(e.stack, "x");
    ASSERT_TRUE(e.cause);
    EXPECT_EQ(e.cause->as<double>(), 5);
}

TEST(V8Serializer, JsonViewIsJsonStringifys) {
    Value v = Object{{"buf", Bytes{"ab", Bytes::Kind::buffer}},
                     {"date", Date{0}},
                     {"map", Map{{1, 2}}},
                     {"u", Undefined{}},
                     {"n", 2.0},
                     {"big", BigInt::of(-12345678901234LL)}};
    EXPECT_EQ(
        v.toJson().dump(),
        R"({"big":"-12345678901234","buf":{"data":[97,98],"type":"Buffer"},"date":"1970-01-01T00:00:00.000Z","map":{},"n":2})");
}

// JSON.stringify of dates: null when invalid, six-digit years beyond 9999.
TEST(V8Serializer, DatesInJsonLikeJavaScript) {
    EXPECT_EQ(Value(Date{1e300}).toJson(), nullptr);
    EXPECT_EQ(Value(Date{std::nan("")}).toJson(), nullptr);
    EXPECT_EQ(Value(Date{8.64e15}).toJson(), "+275760-09-13T00:00:00.000Z");
    EXPECT_EQ(Value(Date{-1}).toJson(), "1969-12-31T23:59:59.999Z");
}

TEST(V8Serializer, HostileBytesAreErrors) {
    const std::vector<std::string> bad = {
        "",                  // nothing
        "\x01\x02",          // no header
        "\xFF\x0F",          // a header and no value
        "\xFF\x63\x49\x02",  // an unknown version
        "\xFF\x0F\x22\x7F"
        "ab",                                // a string longer than the message
        "\xFF\x0F\x41\xFF\xFF\xFF\xFF\x0F",  // a 4-billion-element array
        "\xFF\x0F\x61\xFF\xFF\xFF\xFF\x0F",  // a 4-billion-element sparse array
        "\xFF\x0F\x5E\x05",                  // a reference to nothing
        "\xFF\x0F\x6F\x22\x01"
        "a"
        "\x49\x02\x7B\x05",                  // a wrong property count
        "\xFF\x0F\x5C\x00\x63\x00",          // a view type Node has not
        "\xFF\x0F\x01",                      // an unknown tag
        "\xFF\x0F\x5A\xFF\xFF\xFF\xFF\x0F",  // a BigInt longer than the message
    };
    for (const auto& b : bad) EXPECT_FALSE(deserializeV8(b).value.has_value()) << nlohmann::json(b).dump();
    std::string deep = "\xFF\x0F";
    for (int i = 0; i < 100000; ++i) deep += "\x41\x01";  // [[[[…]]]]
    auto d = deserializeV8(deep);
    EXPECT_FALSE(d.value.has_value());
    EXPECT_NE(d.error.find("nests deeper"), std::string::npos) << d.error;
}

// Frames split at every byte, a frame over the cap skipped by its length, the next read.
TEST(AdvancedCodec, ReassemblesAndSkips) {
    const std::string big(200000, 'x');
    std::string wire = frame(Object{{"a", 1}}) + frame(Bytes{big, Bytes::Kind::buffer}) + frame("after");
    for (std::size_t cut : {std::size_t{1}, std::size_t{3}, std::size_t{4}, std::size_t{7}, std::size_t{65536}}) {
        AdvancedCodec codec;
        Sink sink;
        for (std::size_t off = 0; off < wire.size(); off += cut)
            codec.feed(std::string_view(wire).substr(off, cut), sink);
        ASSERT_EQ(sink.got.size(), 3u) << cut;
        EXPECT_EQ(sink.got[1].message->value()->as<Bytes>().data.size(), big.size());
        EXPECT_EQ(sink.got[2].message->value()->as<std::string>(), "after");
        EXPECT_FALSE(codec.buffering());
    }
    AdvancedCodec capped;
    capped.setMaxMessageSize(1000);
    Sink sink;
    capped.feed(wire, sink);
    ASSERT_EQ(sink.got.size(), 2u);
    EXPECT_EQ(sink.tooLarge.size(), 1u);
    EXPECT_EQ(sink.got[1].message->value()->as<std::string>(), "after");
    EXPECT_EQ(capped.messagesEnded(), 3u);
}

TEST(AdvancedCodec, MessageAtEndOfCountsFrames) {
    const std::string a = frame(1), b = frame("two");
    AdvancedCodec codec;
    EXPECT_EQ(codec.messageAtEndOf(a), 0u);                   // ends in the first message
    EXPECT_EQ(codec.messageAtEndOf(a + b.substr(0, 1)), 1u);  // the last byte starts the second
    EXPECT_EQ(codec.messageAtEndOf(a + b), 1u);
}
