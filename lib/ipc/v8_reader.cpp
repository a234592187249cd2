// SPDX-License-Identifier: MIT
// The reading half of V8's ValueSerializer, as Node's ChildProcessDeserializer
// drives it, for input that may be hostile: every length is checked against the
// bytes left, nesting and sparse arrays are bounded.

#include <cstdio>
#include <cstring>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/utf8.hpp"
#include "ipc/v8_format.hpp"
#include "ipc/v8_serializer.hpp"

namespace childproc::detail {

namespace {

using v8::ArrayBufferViewTag;
using v8::ErrorTag;
using v8::SerializationTag;

constexpr std::size_t kMaxDepth = 1000;             // nesting a hostile peer may ask for
constexpr std::size_t kMaxSparseLength = 1u << 20;  // elements a sparse array may make us allocate

struct BadInput {
    std::string why;
};

// Bytes where they lie in the message being read.
struct RawBytes {
    const unsigned char* at;
    std::size_t size;
    Bytes::Kind kind;
    Value make() const { return Bytes{std::string(reinterpret_cast<const char*>(at), size), kind}; }
};
using Kept = std::variant<Value, RawBytes>;

class Reader {
public:
    explicit Reader(std::string_view in)
        : p_(reinterpret_cast<const unsigned char*>(in.data())), end_(p_ + in.size()) {}

    Value read() {
        if (byte() != static_cast<unsigned char>(SerializationTag::kVersion)) throw BadInput{"no V8 serializer header"};
        version_ = static_cast<unsigned>(varint());
        if (version_ < v8::kOldestVersion || version_ > v8::kLatestVersion)
            throw BadInput{"V8 serializer version " + std::to_string(version_) + " is not spoken (13 to 15 are)"};
        return value();
    }

private:
    // The bytes.
    unsigned char byte() {
        if (p_ >= end_) throw BadInput{"the message ends early"};
        return *p_++;
    }
    SerializationTag peekTag() {
        while (p_ < end_ && *p_ == static_cast<unsigned char>(SerializationTag::kPadding)) ++p_;
        if (p_ >= end_) throw BadInput{"the message ends early"};
        return static_cast<SerializationTag>(*p_);
    }
    SerializationTag readTag() {
        const auto t = peekTag();
        ++p_;
        return t;
    }
    // Consumes the end tag of a container when it comes next.
    bool ends(SerializationTag end) {
        if (peekTag() != end) return false;
        ++p_;
        return true;
    }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const unsigned char b = byte();
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        throw BadInput{"a varint is too long"};
    }
    std::size_t length() {  // a byte count that the rest of the message must hold
        const auto n = varint();
        if (n > static_cast<std::uint64_t>(end_ - p_)) throw BadInput{"a length runs past the message"};
        return static_cast<std::size_t>(n);
    }
    RawBytes rawBytes(std::size_t n, Bytes::Kind kind) {
        const RawBytes raw{p_, n, kind};
        p_ += n;
        return raw;
    }
    std::string bytes(std::size_t n) {
        std::string s(reinterpret_cast<const char*>(p_), n);
        p_ += n;
        return s;
    }
    double dbl() {
        if (end_ - p_ < 8) throw BadInput{"the message ends early"};
        double d;
        std::memcpy(&d, p_, 8);
        p_ += 8;
        return d;
    }

    // Primitives.
    double int32() {
        const auto z = static_cast<std::uint32_t>(varint());
        return static_cast<double>(static_cast<std::int32_t>((z >> 1) ^ (0u - (z & 1))));  // zigzag
    }
    std::string oneByteString() {
        const auto n = length();
        std::string out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) appendUtf8(out, *p_++);
        return out;
    }
    std::string twoByteString() {
        const auto n = length();
        if (n & 1) throw BadInput{"a two-byte string has an odd length"};
        std::string out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; i += 2) {
            std::uint32_t u = p_[i] | (p_[i + 1] << 8);
            if (isHighSurrogate(u) && i + 3 < n) {
                const std::uint32_t lo = p_[i + 2] | (p_[i + 3] << 8);
                if (isLowSurrogate(lo)) {
                    appendUtf8(out, fromSurrogates(u, lo));
                    i += 2;
                    continue;
                }
            }
            appendUtf8(out, isSurrogate(u) ? 0xFFFD : u);  // a lone surrogate
        }
        p_ += n;
        return out;
    }
    std::string utf8String() {
        std::string out;
        for (auto cp : codePoints(bytes(length()))) appendUtf8(out, cp);
        return out;
    }
    std::string stringValue() {
        switch (readTag()) {
        case SerializationTag::kOneByteString: return oneByteString();
        case SerializationTag::kTwoByteString: return twoByteString();
        case SerializationTag::kUtf8String: return utf8String();
        default: throw BadInput{"a string was expected"};
        }
    }
    BigInt bigInt() {
        const auto bits = varint();
        BigInt b;
        const auto n = static_cast<std::uint64_t>(bits >> 1);
        if (n > static_cast<std::uint64_t>(end_ - p_)) throw BadInput{"a BigInt runs past the message"};
        b.magnitude = bytes(static_cast<std::size_t>(n));
        while (!b.magnitude.empty() && b.magnitude.back() == '\0') b.magnitude.pop_back();
        b.negative = (bits & 1) && !b.magnitude.empty();
        return b;
    }

    // Object identity: every receiver takes the next id, in the order V8 reads them.
    std::uint32_t newId() {
        byId_.emplace_back();
        return static_cast<std::uint32_t>(byId_.size() - 1);
    }
    Value keep(std::uint32_t id, Value v) {
        byId_[id] = v;
        return v;
    }
    // Bytes are kept as where they lie in the input, not as a copy: an 8 MiB
    // Uint8Array is copied once, and again only if the message refers to it twice.
    Value keepBytes(std::uint32_t id, RawBytes raw) {
        byId_[id] = raw;
        return raw.make();
    }
    Value reference() {
        const auto id = varint();
        if (id >= byId_.size()) throw BadInput{"a reference to an object not yet seen"};
        for (std::size_t i = open_.size(); i-- > 0;)
            if (open_[i] == id) return Cycle{open_.size() - i};
        const Kept& k = byId_[static_cast<std::size_t>(id)];
        if (const auto* raw = std::get_if<RawBytes>(&k)) return raw->make();
        return std::get<Value>(k);
    }

    Value value() {
        if (++depth_ > kMaxDepth) throw BadInput{"the message nests deeper than " + std::to_string(kMaxDepth)};
        Value v = valueAt(readTag());
        --depth_;
        return v;
    }

    Value valueAt(SerializationTag t) {
        using enum SerializationTag;
        switch (t) {
        case kUndefined:
        case kTheHole: return Undefined{};
        case kNull: return nullptr;
        case kTrue: return true;
        case kFalse: return false;
        case kInt32: return int32();
        case kUint32: return static_cast<double>(static_cast<std::uint32_t>(varint()));
        case kDouble: return dbl();
        case kBigInt: return bigInt();
        case kOneByteString: return oneByteString();
        case kTwoByteString: return twoByteString();
        case kUtf8String: return utf8String();
        case kObjectReference: return reference();
        case kTrueObject:
        case kFalseObject:
        case kNumberObject:
        case kBigIntObject:
        case kStringObject:
        case kDate: return boxed(t);
        case kRegExp: return regExp();
        case kArrayBuffer: return arrayBuffer();
        case kHostObject: return hostObject();
        case kError: return error();
        case kBeginJSObject: return object();
        case kBeginDenseJSArray: return denseArray();
        case kBeginSparseJSArray: return sparseArray();
        case kBeginJSMap: return map();
        case kBeginJSSet: return set();
        case kVerifyObjectCount: varint(); return value();
        default: break;
        }
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(t));
        throw BadInput{std::string("V8 serializer tag ") + hex + " is not understood"};
    }

    // new Boolean(…), new Number(…), new Object(1n), new String(…), a Date: one
    // value behind an identity (they come out as the value itself).
    Value boxed(SerializationTag t) {
        const auto id = newId();
        switch (t) {
        case SerializationTag::kTrueObject: return keep(id, true);
        case SerializationTag::kFalseObject: return keep(id, false);
        case SerializationTag::kNumberObject: return keep(id, dbl());
        case SerializationTag::kBigIntObject: return keep(id, bigInt());
        case SerializationTag::kDate: return keep(id, Date{dbl()});
        default: return keep(id, stringValue());
        }
    }

    Value regExp() {
        const auto id = newId();
        RegExp r;
        r.source = stringValue();
        const auto bits = varint();
        for (const auto& [c, bit] : v8::kRegExpFlags)
            if (bits & bit) r.flags += c;
        return keep(id, std::move(r));
    }

    // An ArrayBuffer, or V8's own view over one when kArrayBufferView follows.
    Value arrayBuffer() {
        const auto id = newId();
        const RawBytes buffer = rawBytes(length(), Bytes::Kind::arrayBuffer);
        byId_[id] = buffer;
        if (p_ < end_ && peekTag() == SerializationTag::kArrayBufferView) {
            ++p_;
            return keepBytes(newId(), view(buffer));
        }
        return buffer.make();
    }

    RawBytes view(const RawBytes& buffer) {
        const auto sub = static_cast<ArrayBufferViewTag>(varint());
        const auto offset = varint();
        const auto len = varint();
        if (version_ >= 14) varint();  // flags
        if (offset > buffer.size || len > buffer.size - offset) throw BadInput{"a view runs past its buffer"};
        for (const auto& [tag, kind] : v8::kViewKinds)
            if (tag == sub) return RawBytes{buffer.at + offset, static_cast<std::size_t>(len), kind};
        throw BadInput{"an ArrayBufferView of unknown type"};
    }

    // Node's ChildProcessDeserializer._readHostObject: a view, or a value.
    Value hostObject() {
        const auto id = newId();
        const auto what = varint();
        if (what == v8::kHostValue) return keep(id, value());
        if (what != v8::kHostArrayBufferView) throw BadInput{"a host object of unknown kind"};
        const auto index = varint();
        if (index > v8::kLastViewIndex) throw BadInput{"an ArrayBufferView type index beyond Node's"};
        return keepBytes(id, rawBytes(length(), static_cast<Bytes::Kind>(index)));
    }

    Value error() {
        const auto id = newId();
        ErrorValue e;
        for (auto t = static_cast<ErrorTag>(byte()); t != ErrorTag::kEnd; t = static_cast<ErrorTag>(byte())) {
            if (t == ErrorTag::kMessage) e.message = stringValue();
            else if (t == ErrorTag::kStack) e.stack = stringValue();
            else if (t == ErrorTag::kCause) e.cause = std::make_shared<const Value>(value());
            else e.name = prototypeName(t);
        }
        return keep(id, std::move(e));
    }
    static const char* prototypeName(ErrorTag t) {
        for (const auto& [tag, name] : v8::kErrorPrototypes)
            if (tag == t) return name;
        throw BadInput{"an Error field of unknown kind"};
    }

    // Containers: registered before their contents, which may refer back to them.
    template <class Fill>
    Value container(Value v, Fill fill) {
        const auto id = newId();
        byId_[id] = v;
        open_.push_back(id);
        fill();
        open_.pop_back();
        return v;
    }

    std::string propertyKey() {
        Value k = value();
        if (const auto* s = std::get_if<std::string>(&k.variant())) return *s;
        if (const auto* d = std::get_if<double>(&k.variant())) {
            const auto j = Value(*d).toJson();
            return j.is_null() ? "NaN" : j.dump();
        }
        throw BadInput{"a property key is neither a string nor a number"};
    }

    Value object() {
        auto obj = std::make_shared<Object>();
        return container(obj, [&] {
            while (!ends(SerializationTag::kEndJSObject)) {
                std::string key = propertyKey();
                obj->emplace_back(std::move(key), value());
            }
            if (varint() != obj->size()) throw BadInput{"an object's property count is wrong"};
        });
    }

    Value denseArray() {
        auto arr = std::make_shared<Array>();
        return container(arr, [&] {
            const auto n = length();  // each element takes at least a byte
            arr->reserve(n);
            for (std::size_t i = 0; i < n; ++i) arr->push_back(value());
            while (!ends(SerializationTag::kEndDenseJSArray)) {  // extra properties on an array: not kept
                propertyKey();
                value();
            }
            varint();  // property count
            varint();  // length
        });
    }

    Value sparseArray() {
        auto arr = std::make_shared<Array>();
        return container(arr, [&] {
            const auto n = varint();
            if (n > kMaxSparseLength)
                throw BadInput{"a sparse array is longer than " + std::to_string(kMaxSparseLength)};
            arr->resize(static_cast<std::size_t>(n));
            while (!ends(SerializationTag::kEndSparseJSArray)) {
                const std::string key = propertyKey();
                Value v = value();
                const bool index = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos &&
                                   key.size() < 8 && std::stoul(key) < arr->size();
                if (index) (*arr)[std::stoul(key)] = std::move(v);
            }
            varint();  // property count
            varint();  // length
        });
    }

    Value map() {
        auto map = std::make_shared<Map>();
        return container(map, [&] {
            while (!ends(SerializationTag::kEndJSMap)) {
                Value k = value();
                map->emplace_back(std::move(k), value());
            }
            if (varint() != map->size() * 2) throw BadInput{"a Map's length is wrong"};
        });
    }

    Value set() {
        auto set = std::make_shared<Set>();
        return container(set, [&] {
            while (!ends(SerializationTag::kEndJSSet)) set->push_back(value());
            if (varint() != set->size()) throw BadInput{"a Set's length is wrong"};
        });
    }

    const unsigned char* p_;
    const unsigned char* end_;
    unsigned version_ = 0;
    std::size_t depth_ = 0;
    std::vector<Kept> byId_;
    std::vector<std::uint32_t> open_;
};

}  // namespace

V8Decoded deserializeV8(std::string_view payload) {
    try {
        return {Reader(payload).read(), {}};
    } catch (const BadInput& e) {
        return {std::nullopt, e.why};
    } catch (const std::bad_alloc&) {
        return {std::nullopt, "the message asks for more memory than there is"};
    }
}

}  // namespace childproc::detail
