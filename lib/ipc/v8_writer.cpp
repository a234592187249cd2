// SPDX-License-Identifier: MIT
// The writing half of V8's ValueSerializer, as Node's ChildProcessSerializer drives it.

#include <cmath>
#include <cstring>
#include <map>

#include "childproc/error.hpp"
#include "core/utf8.hpp"
#include "ipc/v8_format.hpp"
#include "ipc/v8_serializer.hpp"

namespace childproc::detail {

namespace {

using v8::ErrorTag;
using v8::SerializationTag;

class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}

    void header() {
        tag(SerializationTag::kVersion);
        varint(v8::kLatestVersion);
    }

    void value(const Value& v) {
        std::visit([this](const auto& x) { write(x); }, v.variant());
    }

private:
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            out_ += static_cast<char>((v & 0x7F) | 0x80);
            v >>= 7;
        }
        out_ += static_cast<char>(v);
    }
    void tag(SerializationTag t) { out_ += static_cast<char>(t); }
    void tag(ErrorTag t) { out_ += static_cast<char>(t); }
    void dbl(double d) {
        char b[8];
        std::memcpy(b, &d, 8);  // V8 writes the host's (little-endian) bytes
        out_.append(b, 8);
    }
    void raw(const std::string& bytes) {
        varint(bytes.size());
        out_ += bytes;
    }
    std::uint32_t newId() { return nextId_++; }

    void string(const std::string& utf8) {
        const auto cps = codePoints(utf8);
        bool oneByte = true;
        for (auto cp : cps) oneByte = oneByte && cp < 256;
        if (oneByte) {
            tag(SerializationTag::kOneByteString);
            varint(cps.size());
            for (auto cp : cps) out_ += static_cast<char>(cp);
            return;
        }
        twoByteString(cps);
    }
    void twoByteString(const std::vector<std::uint32_t>& cps) {
        std::string units;
        const auto unit = [&units](std::uint32_t u) {
            units += static_cast<char>(u & 0xFF);
            units += static_cast<char>(u >> 8);
        };
        for (auto cp : cps) {
            if (cp < 0x10000) {
                unit(cp);
            } else {
                unit(0xD800 + ((cp - 0x10000) >> 10));
                unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
            }
        }
        std::size_t varintLen = 1;
        for (auto n = units.size(); n >= 0x80; n >>= 7) ++varintLen;
        if ((out_.size() + 1 + varintLen) & 1) tag(SerializationTag::kPadding);  // V8 aligns two-byte data
        tag(SerializationTag::kTwoByteString);
        raw(units);
    }

    void write(const Undefined&) { tag(SerializationTag::kUndefined); }
    void write(const std::nullptr_t&) { tag(SerializationTag::kNull); }
    void write(const bool& b) { tag(b ? SerializationTag::kTrue : SerializationTag::kFalse); }
    void write(const double& d) {
        if (d == std::trunc(d) && d >= -2147483648.0 && d <= 2147483647.0 && !(d == 0 && std::signbit(d))) {
            tag(SerializationTag::kInt32);
            const auto i = static_cast<std::int32_t>(d);
            varint((static_cast<std::uint32_t>(i) << 1) ^ static_cast<std::uint32_t>(i >> 31));  // zigzag
        } else {
            tag(SerializationTag::kDouble);
            dbl(d);
        }
    }
    void write(const std::string& s) { string(s); }
    void write(const BigInt& b) {
        std::string digits = b.magnitude;
        while (!digits.empty() && digits.back() == '\0') digits.pop_back();
        digits.resize((digits.size() + 7) / 8 * 8, '\0');  // whole 64-bit digits, as V8
        tag(SerializationTag::kBigInt);
        varint((digits.size() << 1) | (b.negative && !digits.empty() ? 1 : 0));
        out_ += digits;
    }
    void write(const Date& d) {
        newId();
        tag(SerializationTag::kDate);
        dbl(d.ms);
    }
    void write(const RegExp& r) {
        newId();
        tag(SerializationTag::kRegExp);
        string(r.source);
        unsigned bits = 0;
        for (char f : r.flags)
            for (const auto& [c, bit] : v8::kRegExpFlags)
                if (c == f) bits |= bit;
        varint(bits);
    }
    void write(const Bytes& b) {
        newId();
        if (b.kind == Bytes::Kind::arrayBuffer) {
            tag(SerializationTag::kArrayBuffer);
            raw(b.data);
            return;
        }
        tag(SerializationTag::kHostObject);  // as Node's ChildProcessSerializer writes a view
        varint(v8::kHostArrayBufferView);
        varint(static_cast<unsigned>(b.kind));
        raw(b.data);
    }
    void write(const ErrorValue& e) {
        newId();
        tag(SerializationTag::kError);
        for (const auto& [t, name] : v8::kErrorPrototypes)
            if (e.name == name) tag(t);
        if (e.message) {
            tag(ErrorTag::kMessage);
            string(*e.message);
        }
        if (e.cause) {
            tag(ErrorTag::kCause);
            value(*e.cause);
        }
        if (e.stack) {
            tag(ErrorTag::kStack);
            string(*e.stack);
        }
        tag(ErrorTag::kEnd);
    }
    void write(const Cycle& c) {
        if (c.up == 0 || c.up > open_.size())
            throw Error("A Cycle points " + std::to_string(c.up) + " levels up, above the message",
                        "ERR_INVALID_ARG_VALUE", "TypeError");
        tag(SerializationTag::kObjectReference);
        varint(open_[open_.size() - c.up]);
    }

    // Arrays, objects, maps, sets: a node seen before is written as a reference.
    template <class Node, class Body>
    void node(const std::shared_ptr<Node>& n, Body body) {
        if (auto it = ids_.find(n.get()); it != ids_.end()) {
            tag(SerializationTag::kObjectReference);
            varint(it->second);
            return;
        }
        const std::uint32_t id = newId();
        ids_[n.get()] = id;
        open_.push_back(id);
        body(*n);
        open_.pop_back();
    }
    void write(const std::shared_ptr<Array>& a) {
        node(a, [this](const Array& arr) {
            tag(SerializationTag::kBeginDenseJSArray);
            varint(arr.size());
            for (const auto& e : arr) value(e);
            tag(SerializationTag::kEndDenseJSArray);
            varint(0);  // properties beyond the elements
            varint(arr.size());
        });
    }
    void write(const std::shared_ptr<Object>& o) {
        node(o, [this](const Object& obj) {
            tag(SerializationTag::kBeginJSObject);
            for (const auto& [k, v] : obj) {
                string(k);
                value(v);
            }
            tag(SerializationTag::kEndJSObject);
            varint(obj.size());
        });
    }
    void write(const std::shared_ptr<Map>& m) {
        node(m, [this](const Map& map) {
            tag(SerializationTag::kBeginJSMap);
            for (const auto& [k, v] : map) {
                value(k);
                value(v);
            }
            tag(SerializationTag::kEndJSMap);
            varint(map.size() * 2);
        });
    }
    void write(const std::shared_ptr<Set>& s) {
        node(s, [this](const Set& set) {
            tag(SerializationTag::kBeginJSSet);
            for (const auto& v : set) value(v);
            tag(SerializationTag::kEndJSSet);
            varint(set.size());
        });
    }

    std::string& out_;
    std::uint32_t nextId_ = 0;
    std::map<const void*, std::uint32_t> ids_;
    std::vector<std::uint32_t> open_;
};

}  // namespace

void serializeV8(const Value& value, std::string& out) {
    Writer w(out);
    w.header();
    w.value(value);
}

}  // namespace childproc::detail
