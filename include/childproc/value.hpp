// SPDX-License-Identifier: MIT
#pragma once
// A message of Node's 'advanced' serialization (V8's structured clone): what
// nlohmann::json cannot hold — undefined, Buffers and typed arrays, Date, RegExp,
// Map, Set, BigInt, Error, shared and circular references. Arrays, objects, maps
// and sets are shared nodes: a value that appears twice in a message is one node,
// and a reference back to an enclosing node (a cycle) is a Cycle, so no message
// owns itself.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "childproc/export.hpp"

namespace childproc {

class Value;

struct Undefined {
    bool operator==(const Undefined&) const = default;
};

// A BigInt: sign and magnitude, little-endian bytes as V8 writes them.
struct CHILDPROC_EXPORT BigInt {
    bool negative = false;
    std::string magnitude;  // little-endian; empty for 0
    static BigInt of(std::int64_t v);
    std::string toString() const;  // decimal, as JavaScript's String(n)
    bool operator==(const BigInt&) const = default;
};

// new Date(ms).
struct Date {
    double ms = 0;
    bool operator==(const Date&) const = default;
};

// A RegExp: /source/flags, flags in "dgimsuvy".
struct RegExp {
    std::string source;
    std::string flags;
    bool operator==(const RegExp&) const = default;
};

// A Buffer, a typed array, a DataView or an ArrayBuffer: its bytes and its kind.
struct Bytes {
    enum class Kind {
        int8Array,
        uint8Array,
        uint8ClampedArray,
        int16Array,
        uint16Array,
        int32Array,
        uint32Array,
        float32Array,
        float64Array,
        dataView,
        buffer,
        bigInt64Array,
        bigUint64Array,
        arrayBuffer
    };
    std::string data;
    Kind kind = Kind::buffer;
    bool operator==(const Bytes&) const = default;
};

// An Error and its kind: name is "Error", "EvalError", "RangeError",
// "ReferenceError", "SyntaxError", "TypeError" or "URIError".
struct ErrorValue {
    std::string name = "Error";
    std::optional<std::string> message;
    std::optional<std::string> stack;
    std::shared_ptr<const Value> cause;
};

// A reference back to the node `up` levels above (1: the enclosing array,
// object, map or set): o.self = o arrives as {self: Cycle{1}}.
struct Cycle {
    std::size_t up = 1;
    bool operator==(const Cycle&) const = default;
};

using Array = std::vector<Value>;
using Object = std::vector<std::pair<std::string, Value>>;  // in property order
using Map = std::vector<std::pair<Value, Value>>;
// A distinct type, so that a Set is not taken for an Array.
struct Set : std::vector<Value> {
    using std::vector<Value>::vector;
};

class CHILDPROC_EXPORT Value {
public:
    using Variant = std::variant<Undefined, std::nullptr_t, bool, double, std::string, BigInt, Date, RegExp, Bytes,
                                 ErrorValue, Cycle, std::shared_ptr<Array>, std::shared_ptr<Object>,
                                 std::shared_ptr<Map>, std::shared_ptr<Set>>;

    Value() = default;                      // undefined
    Value(Undefined) {}                     // NOLINT(google-explicit-constructor): values convert as in JavaScript
    Value(std::nullptr_t) : v_(nullptr) {}  // NOLINT(google-explicit-constructor)
    Value(bool b) : v_(b) {}                // NOLINT(google-explicit-constructor)
    Value(int n) : v_(static_cast<double>(n)) {}                     // NOLINT(google-explicit-constructor)
    Value(std::int64_t n) : v_(static_cast<double>(n)) {}            // NOLINT(google-explicit-constructor)
    Value(double n) : v_(n) {}                                       // NOLINT(google-explicit-constructor)
    Value(const char* s) : v_(std::string(s)) {}                     // NOLINT(google-explicit-constructor)
    Value(std::string s) : v_(std::move(s)) {}                       // NOLINT(google-explicit-constructor)
    Value(BigInt b) : v_(std::move(b)) {}                            // NOLINT(google-explicit-constructor)
    Value(Date d) : v_(d) {}                                         // NOLINT(google-explicit-constructor)
    Value(RegExp r) : v_(std::move(r)) {}                            // NOLINT(google-explicit-constructor)
    Value(Bytes b) : v_(std::move(b)) {}                             // NOLINT(google-explicit-constructor)
    Value(ErrorValue e) : v_(std::move(e)) {}                        // NOLINT(google-explicit-constructor)
    Value(Cycle c) : v_(c) {}                                        // NOLINT(google-explicit-constructor)
    Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}    // NOLINT(google-explicit-constructor)
    Value(Object o) : v_(std::make_shared<Object>(std::move(o))) {}  // NOLINT(google-explicit-constructor)
    Value(Map m) : v_(std::make_shared<Map>(std::move(m))) {}        // NOLINT(google-explicit-constructor)
    Value(Set s) : v_(std::make_shared<Set>(std::move(s))) {}        // NOLINT(google-explicit-constructor)
    Value(std::shared_ptr<Array> a) : v_(std::move(a)) {}            // NOLINT(google-explicit-constructor)
    Value(std::shared_ptr<Object> o) : v_(std::move(o)) {}           // NOLINT(google-explicit-constructor)
    Value(std::shared_ptr<Map> m) : v_(std::move(m)) {}              // NOLINT(google-explicit-constructor)
    Value(std::shared_ptr<Set> s) : v_(std::move(s)) {}              // NOLINT(google-explicit-constructor)

    const Variant& variant() const { return v_; }
    template <class T>
    bool is() const {
        return std::holds_alternative<T>(v_);
    }
    template <class T>
    const T& as() const {
        return std::get<T>(v_);
    }
    // obj["key"] for an object: the property, or undefined.
    const Value& operator[](const std::string& key) const;
    // arr[i] for an array: the element, or undefined.
    const Value& operator[](std::size_t i) const;

    // What JSON.stringify would make of it, as nlohmann::json: undefined and
    // functions dropped from objects (null in arrays), Date → ISO string, Map and
    // Set → {}, Buffer → {"type":"Buffer","data":[…]}, a typed array → {"0":…},
    // Error → {}, BigInt → its decimal string (JSON.stringify throws), a cycle → null.
    nlohmann::json toJson() const;
    static Value fromJson(const nlohmann::json& j);

private:
    Variant v_;
};

}  // namespace childproc
