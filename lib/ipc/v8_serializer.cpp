// SPDX-License-Identifier: MIT
#include "ipc/v8_serializer.hpp"

#include <cmath>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

#include "childproc/error.hpp"
#include "core/utf8.hpp"

namespace childproc::detail {

namespace {

constexpr unsigned kVersion = 15;
constexpr std::size_t kMaxDepth = 1000;             // nesting a hostile peer may ask for
constexpr std::size_t kMaxSparseLength = 1u << 20;  // elements a sparse array may make us allocate

// Node's ArrayBufferView type indexes (lib/v8.js), in Bytes::Kind order.
constexpr int kLastViewIndex = 12;

// V8's RegExp flag bits, in the order JavaScript prints the flags.
constexpr std::pair<char, unsigned> kRegExpFlags[] = {{'d', 128}, {'g', 1},  {'i', 2},   {'m', 4},
                                                      {'s', 32},  {'u', 16}, {'v', 256}, {'y', 8}};

constexpr std::pair<char, const char*> kErrorPrototypes[] = {{'E', "EvalError"},      {'R', "RangeError"},
                                                             {'F', "ReferenceError"}, {'S', "SyntaxError"},
                                                             {'T', "TypeError"},      {'U', "URIError"}};

// UTF-8 → code points; each invalid sequence is one U+FFFD, as everywhere in childproc.
std::vector<std::uint32_t> codePoints(const std::string& s) {
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

class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}

    void header() {
        out_ += '\xFF';
        varint(kVersion);
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
    void tag(char t) { out_ += t; }
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
            tag('"');
            varint(cps.size());
            for (auto cp : cps) out_ += static_cast<char>(cp);
            return;
        }
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
        if ((out_.size() + 1 + varintLen) & 1) tag('\0');  // V8 aligns two-byte data
        tag('c');
        raw(units);
    }

    void write(const Undefined&) { tag('_'); }
    void write(const std::nullptr_t&) { tag('0'); }
    void write(const bool& b) { tag(b ? 'T' : 'F'); }
    void write(const double& d) {
        if (d == std::trunc(d) && d >= -2147483648.0 && d <= 2147483647.0 && !(d == 0 && std::signbit(d))) {
            tag('I');
            const auto i = static_cast<std::int32_t>(d);
            varint((static_cast<std::uint32_t>(i) << 1) ^ static_cast<std::uint32_t>(i >> 31));
        } else {
            tag('N');
            dbl(d);
        }
    }
    void write(const std::string& s) { string(s); }
    void write(const BigInt& b) {
        std::string digits = b.magnitude;
        while (!digits.empty() && digits.back() == '\0') digits.pop_back();
        digits.resize((digits.size() + 7) / 8 * 8, '\0');  // whole 64-bit digits, as V8
        tag('Z');
        varint((digits.size() << 1) | (b.negative && !digits.empty() ? 1 : 0));
        out_ += digits;
    }
    void write(const Date& d) {
        newId();
        tag('D');
        dbl(d.ms);
    }
    void write(const RegExp& r) {
        newId();
        tag('R');
        string(r.source);
        unsigned bits = 0;
        for (char f : r.flags)
            for (const auto& [c, bit] : kRegExpFlags)
                if (c == f) bits |= bit;
        varint(bits);
    }
    void write(const Bytes& b) {
        newId();
        if (b.kind == Bytes::Kind::arrayBuffer) {
            tag('B');
            raw(b.data);
            return;
        }
        tag('\\');  // a host object, as Node's ChildProcessSerializer writes a view
        varint(0);  // kArrayBufferViewTag
        varint(static_cast<unsigned>(b.kind));
        raw(b.data);
    }
    void write(const ErrorValue& e) {
        newId();
        tag('r');
        for (const auto& [t, name] : kErrorPrototypes)
            if (e.name == name) tag(t);
        if (e.message) {
            tag('m');
            string(*e.message);
        }
        if (e.cause) {
            tag('c');
            value(*e.cause);
        }
        if (e.stack) {
            tag('s');
            string(*e.stack);
        }
        tag('.');
    }
    void write(const Cycle& c) {
        if (c.up == 0 || c.up > open_.size())
            throw Error("A Cycle points " + std::to_string(c.up) + " levels up, above the message",
                        "ERR_INVALID_ARG_VALUE", "TypeError");
        tag('^');
        varint(open_[open_.size() - c.up]);
    }

    // Arrays, objects, maps, sets: a node seen before is written as a reference.
    template <class Node, class Body>
    void node(const std::shared_ptr<Node>& n, Body body) {
        if (auto it = ids_.find(n.get()); it != ids_.end()) {
            tag('^');
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
            tag('A');
            varint(arr.size());
            for (const auto& e : arr) value(e);
            tag('$');
            varint(0);
            varint(arr.size());
        });
    }
    void write(const std::shared_ptr<Object>& o) {
        node(o, [this](const Object& obj) {
            tag('o');
            for (const auto& [k, v] : obj) {
                string(k);
                value(v);
            }
            tag('{');
            varint(obj.size());
        });
    }
    void write(const std::shared_ptr<Map>& m) {
        node(m, [this](const Map& map) {
            tag(';');
            for (const auto& [k, v] : map) {
                value(k);
                value(v);
            }
            tag(':');
            varint(map.size() * 2);
        });
    }
    void write(const std::shared_ptr<Set>& s) {
        node(s, [this](const Set& set) {
            tag('\'');
            for (const auto& v : set) value(v);
            tag(',');
            varint(set.size());
        });
    }

    std::string& out_;
    std::uint32_t nextId_ = 0;
    std::map<const void*, std::uint32_t> ids_;
    std::vector<std::uint32_t> open_;
};

struct BadInput {
    std::string why;
};

class Reader {
public:
    explicit Reader(std::string_view in)
        : p_(reinterpret_cast<const unsigned char*>(in.data())), end_(p_ + in.size()) {}

    Value read() {
        if (byte() != 0xFF) throw BadInput{"no V8 serializer header"};
        version_ = static_cast<unsigned>(varint());
        if (version_ < 13 || version_ > kVersion)
            throw BadInput{"V8 serializer version " + std::to_string(version_) + " is not spoken (13 to 15 are)"};
        return value();
    }

private:
    unsigned char byte() {
        if (p_ >= end_) throw BadInput{"the message ends early"};
        return *p_++;
    }
    unsigned char peekTag() {
        while (p_ < end_ && *p_ == 0) ++p_;  // padding
        if (p_ >= end_) throw BadInput{"the message ends early"};
        return *p_;
    }
    unsigned char readTag() {
        const unsigned char t = peekTag();
        ++p_;
        return t;
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
            if (u >= 0xD800 && u < 0xDC00 && i + 3 < n) {
                const std::uint32_t lo = p_[i + 2] | (p_[i + 3] << 8);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    appendUtf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                    i += 2;
                    continue;
                }
            }
            appendUtf8(out, u >= 0xD800 && u < 0xE000 ? 0xFFFD : u);  // a lone surrogate
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
        case '"': return oneByteString();
        case 'c': return twoByteString();
        case 'S': return utf8String();
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

    // Every receiver takes the next id, in the order V8 reads them.
    std::uint32_t newId() {
        byId_.emplace_back();
        return static_cast<std::uint32_t>(byId_.size() - 1);
    }
    Value keep(std::uint32_t id, Value v) {
        byId_[id] = v;
        return v;
    }

    Value reference() {
        const auto id = varint();
        if (id >= byId_.size()) throw BadInput{"a reference to an object not yet seen"};
        for (std::size_t i = open_.size(); i-- > 0;)
            if (open_[i] == id) return Cycle{open_.size() - i};
        return byId_[static_cast<std::size_t>(id)];
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

    template <class Fill>
    Value container(std::uint32_t id, Value v, Fill fill) {
        byId_[id] = v;
        open_.push_back(id);
        fill();
        open_.pop_back();
        return v;
    }

    Value value() {
        if (++depth_ > kMaxDepth) throw BadInput{"the message nests deeper than " + std::to_string(kMaxDepth)};
        Value v = valueAt(readTag());
        --depth_;
        return v;
    }

    Value valueAt(unsigned char t) {
        switch (t) {
        case '_':
        case '-': return Undefined{};
        case '0': return nullptr;
        case 'T': return true;
        case 'F': return false;
        case 'I': {
            const auto z = static_cast<std::uint32_t>(varint());
            return static_cast<double>(static_cast<std::int32_t>((z >> 1) ^ (0u - (z & 1))));
        }
        case 'U': return static_cast<double>(static_cast<std::uint32_t>(varint()));
        case 'N': return dbl();
        case 'Z': return bigInt();
        case '"': return oneByteString();
        case 'c': return twoByteString();
        case 'S': return utf8String();
        case '^': return reference();
        case 'y': return keep(newId(), true);
        case 'x': return keep(newId(), false);
        case 'n': {
            const auto id = newId();
            return keep(id, dbl());
        }
        case 'z': {
            const auto id = newId();
            return keep(id, bigInt());
        }
        case 's': {
            const auto id = newId();
            return keep(id, stringValue());
        }
        case 'D': {
            const auto id = newId();
            return keep(id, Date{dbl()});
        }
        case 'R': {
            const auto id = newId();
            RegExp r;
            r.source = stringValue();
            const auto bits = varint();
            for (const auto& [c, bit] : kRegExpFlags)
                if (bits & bit) r.flags += c;
            return keep(id, std::move(r));
        }
        case 'B': {
            const auto id = newId();
            Bytes b{bytes(length()), Bytes::Kind::arrayBuffer};
            if (p_ < end_ && peekTag() == 'V') {
                ++p_;
                return keep(newId(), view(b.data));
            }
            return keep(id, std::move(b));
        }
        case '\\': return hostObject();
        case 'r': return error();
        case 'o': {
            auto obj = std::make_shared<Object>();
            return container(newId(), obj, [&] {
                while (peekTag() != '{') {
                    std::string key = propertyKey();
                    obj->emplace_back(std::move(key), value());
                }
                ++p_;
                if (varint() != obj->size()) throw BadInput{"an object's property count is wrong"};
            });
        }
        case 'A': {
            auto arr = std::make_shared<Array>();
            const auto id = newId();
            const auto n = length();  // each element takes at least a byte
            return container(id, arr, [&] {
                arr->reserve(n);
                for (std::size_t i = 0; i < n; ++i) arr->push_back(value());
                while (peekTag() != '$') {  // extra properties on an array: not kept
                    propertyKey();
                    value();
                }
                ++p_;
                varint();
                varint();
            });
        }
        case 'a': {
            auto arr = std::make_shared<Array>();
            const auto id = newId();
            const auto n = varint();
            if (n > kMaxSparseLength)
                throw BadInput{"a sparse array is longer than " + std::to_string(kMaxSparseLength)};
            return container(id, arr, [&] {
                arr->resize(static_cast<std::size_t>(n));
                while (peekTag() != '@') {
                    const std::string key = propertyKey();
                    Value v = value();
                    const bool index = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos &&
                                       key.size() < 8 && std::stoul(key) < arr->size();
                    if (index) (*arr)[std::stoul(key)] = std::move(v);
                }
                ++p_;
                varint();
                varint();
            });
        }
        case ';': {
            auto map = std::make_shared<Map>();
            return container(newId(), map, [&] {
                while (peekTag() != ':') {
                    Value k = value();
                    map->emplace_back(std::move(k), value());
                }
                ++p_;
                if (varint() != map->size() * 2) throw BadInput{"a Map's length is wrong"};
            });
        }
        case '\'': {
            auto set = std::make_shared<Set>();
            return container(newId(), set, [&] {
                while (peekTag() != ',') set->push_back(value());
                ++p_;
                if (varint() != set->size()) throw BadInput{"a Set's length is wrong"};
            });
        }
        case '?': {
            varint();  // kVerifyObjectCount
            return value();
        }
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", t);
            throw BadInput{std::string("V8 serializer tag ") + hex + " is not understood"};
        }
        }
    }

    // An ArrayBufferView over `buffer` (V8's own form; Node writes host objects instead).
    Bytes view(const std::string& buffer) {
        static constexpr std::pair<char, Bytes::Kind> kinds[] = {
            {'b', Bytes::Kind::int8Array},         {'B', Bytes::Kind::uint8Array},
            {'C', Bytes::Kind::uint8ClampedArray}, {'w', Bytes::Kind::int16Array},
            {'W', Bytes::Kind::uint16Array},       {'d', Bytes::Kind::int32Array},
            {'D', Bytes::Kind::uint32Array},       {'f', Bytes::Kind::float32Array},
            {'F', Bytes::Kind::float64Array},      {'q', Bytes::Kind::bigInt64Array},
            {'Q', Bytes::Kind::bigUint64Array},    {'?', Bytes::Kind::dataView}};
        const auto sub = static_cast<char>(varint());
        const auto offset = varint();
        const auto len = varint();
        if (version_ >= 14) varint();  // flags
        if (offset > buffer.size() || len > buffer.size() - offset) throw BadInput{"a view runs past its buffer"};
        for (const auto& [c, kind] : kinds)
            if (c == sub)
                return Bytes{buffer.substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(len)), kind};
        throw BadInput{"an ArrayBufferView of unknown type"};
    }

    // Node's ChildProcessDeserializer._readHostObject: 0 and a view, or 1 and a value.
    Value hostObject() {
        const auto id = newId();
        const auto what = varint();
        if (what == 1) return keep(id, value());
        if (what != 0) throw BadInput{"a host object of unknown kind"};
        const auto index = varint();
        if (index > kLastViewIndex) throw BadInput{"an ArrayBufferView type index beyond Node's"};
        return keep(id, Bytes{bytes(length()), static_cast<Bytes::Kind>(index)});
    }

    Value error() {
        const auto id = newId();
        ErrorValue e;
        for (;;) {
            const unsigned char t = byte();
            if (t == '.') break;
            if (t == 'm') {
                e.message = stringValue();
            } else if (t == 's') {
                e.stack = stringValue();
            } else if (t == 'c') {
                e.cause = std::make_shared<const Value>(value());
            } else {
                bool known = false;
                for (const auto& [c, name] : kErrorPrototypes)
                    if (c == t) {
                        e.name = name;
                        known = true;
                    }
                if (!known) throw BadInput{"an Error field of unknown kind"};
            }
        }
        return keep(id, std::move(e));
    }

    const unsigned char* p_;
    const unsigned char* end_;
    unsigned version_ = 0;
    std::size_t depth_ = 0;
    std::vector<Value> byId_;
    std::vector<std::uint32_t> open_;
};

}  // namespace

void serializeV8(const Value& value, std::string& out) {
    Writer w(out);
    w.header();
    w.value(value);
}

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
