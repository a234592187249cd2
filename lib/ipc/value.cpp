// SPDX-License-Identifier: MIT
// childproc::Value: JSON.stringify's view of it, and a JSON value as one.

#include "childproc/value.hpp"

#include "ipc/json_view.hpp"

#include <cmath>
#include <ctime>
#include <limits>

#include <nlohmann/json.hpp>

namespace childproc {

namespace {

const Value& undefinedValue() {
    static const Value u;
    return u;
}

// Date.prototype.toISOString: "1970-01-01T00:00:00.000Z"; null for an invalid date
// (NaN, or beyond JavaScript's ±8.64e15 ms), as JSON.stringify gives.
nlohmann::json isoString(double ms) {
    if (!std::isfinite(ms) || std::fabs(ms) > 8.64e15) return nullptr;
    const auto whole = static_cast<long long>(std::floor(ms / 1000));
    const int milli = static_cast<int>(ms - static_cast<double>(whole) * 1000);
    std::time_t t = static_cast<std::time_t>(whole);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    const long year = tm.tm_year + 1900L;
    const bool expanded = year < 0 || year > 9999;  // JavaScript's ±YYYYYY form
    std::snprintf(buf, sizeof buf,
                  expanded ? "%+07ld-%02d-%02dT%02d:%02d:%02d.%03dZ" : "%04ld-%02d-%02dT%02d:%02d:%02d.%03dZ", year,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
    return std::string(buf);
}

}  // namespace

BigInt BigInt::of(std::int64_t v) {
    BigInt b;
    b.negative = v < 0;
    auto m = v < 0 ? ~static_cast<std::uint64_t>(v) + 1 : static_cast<std::uint64_t>(v);
    for (; m; m >>= 8) b.magnitude += static_cast<char>(m & 0xFF);
    return b;
}

std::string BigInt::toString() const {
    std::vector<unsigned> digits;  // big-endian bytes
    for (auto it = magnitude.rbegin(); it != magnitude.rend(); ++it) digits.push_back(static_cast<unsigned char>(*it));
    std::string out;
    while (!digits.empty()) {
        unsigned rem = 0;
        std::vector<unsigned> next;
        for (unsigned d : digits) {
            const unsigned cur = rem * 256 + d;
            if (!next.empty() || cur / 10) next.push_back(cur / 10);
            rem = cur % 10;
        }
        out += static_cast<char>('0' + rem);
        digits = std::move(next);
    }
    if (out.empty()) out.push_back('0');
    if (negative && !(out.size() == 1 && out[0] == '0')) out.push_back('-');
    return {out.rbegin(), out.rend()};
}

const Value& Value::operator[](const std::string& key) const {
    if (const auto* o = std::get_if<std::shared_ptr<Object>>(&v_))
        for (const auto& [k, v] : **o)
            if (k == key) return v;
    return undefinedValue();
}

const Value& Value::operator[](std::size_t i) const {
    if (const auto* a = std::get_if<std::shared_ptr<Array>>(&v_))
        if (i < (*a)->size()) return (**a)[i];
    return undefinedValue();
}

namespace {

std::size_t digits(std::uint64_t n) {
    std::size_t d = 1;
    for (; n >= 10; n /= 10) ++d;
    return d;
}

// JSON.stringify's view, built while the length of its JSON text (counted as it
// grows, escapes aside) stays within a budget: a view can be far larger than the
// message (a Uint8Array's has one key per byte; a node shared many times is
// stringified each time), so it is bounded like a JSON message of that text.
class JsonView {
public:
    explicit JsonView(std::size_t maxText) : left_(maxText) {}

    bool over() const { return over_; }

    nlohmann::json of(const Value& value) {
        using nlohmann::json;
        if (over_) return nullptr;
        return std::visit(
            [this](const auto& v) -> json {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, Cycle> ||
                              std::is_same_v<T, std::nullptr_t>) {
                    charge(4);
                    return nullptr;
                } else if constexpr (std::is_same_v<T, bool>) {
                    charge(v ? 4 : 5);
                    return v;
                } else if constexpr (std::is_same_v<T, std::string>) {
                    charge(v.size() + 2);
                    return v;
                } else if constexpr (std::is_same_v<T, double>) {
                    return number(v);
                } else if constexpr (std::is_same_v<T, BigInt>) {
                    std::string s = v.toString();
                    charge(s.size() + 2);
                    return s;
                } else if constexpr (std::is_same_v<T, Date>) {
                    charge(26);
                    return isoString(v.ms);
                } else if constexpr (std::is_same_v<T, Bytes>) {
                    return bytes(v);
                } else if constexpr (std::is_same_v<T, std::shared_ptr<Array>>) {
                    json a = json::array();
                    charge(2);
                    for (const auto& e : *v) {
                        if (over_) break;
                        charge(1);
                        a.push_back(of(e));
                    }
                    return a;
                } else if constexpr (std::is_same_v<T, std::shared_ptr<Object>>) {
                    json o = json::object();
                    charge(2);
                    for (const auto& [k, e] : *v) {
                        if (over_) break;
                        if (e.template is<Undefined>()) continue;
                        charge(k.size() + 4);
                        o[k] = of(e);
                    }
                    return o;
                } else {  // RegExp, ErrorValue, Map, Set: JSON.stringify gives {}
                    charge(2);
                    return json::object();
                }
            },
            value.variant());
    }

private:
    void charge(std::size_t n) {
        if (n > left_) over_ = true;
        else left_ -= n;
    }

    nlohmann::json number(double v) {
        if (!std::isfinite(v)) {  // JSON.stringify(NaN) is null
            charge(4);
            return nullptr;
        }
        const double whole = std::trunc(v);
        if (whole == v && std::fabs(v) < 9007199254740992.0) {
            const auto n = static_cast<std::int64_t>(v);
            charge(digits(static_cast<std::uint64_t>(n < 0 ? -n : n)) + (n < 0));
            return n;
        }
        charge(24);
        return v;
    }

    // Counted before it is built: a view too long costs no memory.
    static std::size_t textLength(const Bytes& b) {
        const auto* p = reinterpret_cast<const unsigned char*>(b.data.data());
        std::size_t n = 2;
        if (b.kind == Bytes::Kind::buffer) {  // {"type":"Buffer","data":[…]}
            n = 26;
            for (std::size_t i = 0; i < b.data.size(); ++i) n += digits(p[i]) + 1;
        } else if (b.kind == Bytes::Kind::uint8Array) {  // {"0":7,…}
            for (std::size_t i = 0; i < b.data.size(); ++i) n += digits(i) + digits(p[i]) + 4;
        }
        return n;
    }

    nlohmann::json bytes(const Bytes& b) {
        using nlohmann::json;
        charge(textLength(b));
        if (over_) return nullptr;
        const auto* p = reinterpret_cast<const unsigned char*>(b.data.data());
        if (b.kind == Bytes::Kind::buffer) {
            json data = json::array();
            data.get_ref<json::array_t&>().reserve(b.data.size());
            for (std::size_t i = 0; i < b.data.size(); ++i) data.push_back(p[i]);
            return {{"type", "Buffer"}, {"data", std::move(data)}};
        }
        json o = json::object();  // JSON.stringify(new Uint8Array([7])) is {"0":7}; other views {}
        if (b.kind != Bytes::Kind::uint8Array) return o;
        auto& members = o.get_ref<json::object_t&>();
        for (std::size_t i = 0; i < b.data.size(); ++i) members.emplace(std::to_string(i), p[i]);
        return o;
    }

    std::size_t left_;
    bool over_ = false;
};

}  // namespace

nlohmann::json Value::toJson() const { return JsonView(std::numeric_limits<std::size_t>::max()).of(*this); }

namespace detail {

std::optional<nlohmann::json> jsonView(const Value& value, std::size_t maxTextBytes) {
    JsonView view(maxTextBytes);
    nlohmann::json j = view.of(value);
    if (view.over()) return std::nullopt;
    return j;
}

}  // namespace detail

Value Value::fromJson(const nlohmann::json& j) {
    switch (j.type()) {
    case nlohmann::json::value_t::null: return nullptr;
    case nlohmann::json::value_t::boolean: return j.get<bool>();
    case nlohmann::json::value_t::number_integer: return static_cast<double>(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: return static_cast<double>(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: return j.get<double>();
    case nlohmann::json::value_t::string: return j.get<std::string>();
    case nlohmann::json::value_t::array: {
        Array a;
        a.reserve(j.size());
        for (const auto& e : j) a.push_back(fromJson(e));
        return a;
    }
    case nlohmann::json::value_t::object: {
        Object o;
        o.reserve(j.size());
        for (const auto& [k, e] : j.items()) o.emplace_back(k, fromJson(e));
        return o;
    }
    default: return Undefined{};  // binary, discarded
    }
}

}  // namespace childproc
