// SPDX-License-Identifier: MIT
// childproc::Value: JSON.stringify's view of it, and a JSON value as one.

#include "childproc/value.hpp"

#include <cmath>
#include <ctime>

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

nlohmann::json Value::toJson() const {
    using nlohmann::json;
    return std::visit(
        [](const auto& v) -> json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, Cycle>) {
                return nullptr;
            } else if constexpr (std::is_same_v<T, std::nullptr_t> || std::is_same_v<T, bool> ||
                                 std::is_same_v<T, std::string>) {
                return v;
            } else if constexpr (std::is_same_v<T, double>) {
                if (!std::isfinite(v)) return nullptr;  // JSON.stringify(NaN) is null
                const double whole = std::trunc(v);
                if (whole == v && std::fabs(v) < 9007199254740992.0) return static_cast<std::int64_t>(v);
                return v;
            } else if constexpr (std::is_same_v<T, BigInt>) {
                return v.toString();
            } else if constexpr (std::is_same_v<T, Date>) {
                return isoString(v.ms);
            } else if constexpr (std::is_same_v<T, Bytes>) {
                json data = json::array();
                for (unsigned char c : v.data) data.push_back(c);
                if (v.kind == Bytes::Kind::buffer) return {{"type", "Buffer"}, {"data", data}};
                if (v.kind != Bytes::Kind::uint8Array) return json::object();
                json o = json::object();  // JSON.stringify(new Uint8Array([7])) is {"0":7}
                for (std::size_t i = 0; i < data.size(); ++i) o[std::to_string(i)] = data[i];
                return o;
            } else if constexpr (std::is_same_v<T, std::shared_ptr<Array>>) {
                json a = json::array();
                for (const auto& e : *v) a.push_back(e.toJson());
                return a;
            } else if constexpr (std::is_same_v<T, std::shared_ptr<Object>>) {
                json o = json::object();
                for (const auto& [k, e] : *v)
                    if (!e.template is<Undefined>()) o[k] = e.toJson();
                return o;
            } else {  // RegExp, ErrorValue, Map, Set: JSON.stringify gives {}
                return json::object();
            }
        },
        v_);
}

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
