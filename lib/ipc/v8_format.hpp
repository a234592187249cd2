// SPDX-License-Identifier: MIT
#pragma once
// V8's ValueSerializer wire format, named as V8 names it (src/objects/value-serializer.cc),
// so that the writer (v8_writer.cpp) and the reader (v8_reader.cpp) speak one table.

#include <cstdint>
#include <utility>

#include "childproc/value.hpp"

namespace childproc::detail::v8 {

inline constexpr unsigned kLatestVersion = 15;  // Node 20's V8
inline constexpr unsigned kOldestVersion = 13;  // the oldest we read

enum class SerializationTag : std::uint8_t {
    kVersion = 0xFF,
    kPadding = '\0',
    kVerifyObjectCount = '?',
    kTheHole = '-',
    kUndefined = '_',
    kNull = '0',
    kTrue = 'T',
    kFalse = 'F',
    kInt32 = 'I',
    kUint32 = 'U',
    kDouble = 'N',
    kBigInt = 'Z',
    kUtf8String = 'S',
    kOneByteString = '"',
    kTwoByteString = 'c',
    kObjectReference = '^',
    kBeginJSObject = 'o',
    kEndJSObject = '{',
    kBeginSparseJSArray = 'a',
    kEndSparseJSArray = '@',
    kBeginDenseJSArray = 'A',
    kEndDenseJSArray = '$',
    kDate = 'D',
    kTrueObject = 'y',
    kFalseObject = 'x',
    kNumberObject = 'n',
    kBigIntObject = 'z',
    kStringObject = 's',
    kRegExp = 'R',
    kBeginJSMap = ';',
    kEndJSMap = ':',
    kBeginJSSet = '\'',
    kEndJSSet = ',',
    kArrayBuffer = 'B',
    kArrayBufferView = 'V',
    kHostObject = '\\',
    kError = 'r',
};

// The fields of an Error, after kError, up to kEnd.
enum class ErrorTag : std::uint8_t {
    kEvalErrorPrototype = 'E',
    kRangeErrorPrototype = 'R',
    kReferenceErrorPrototype = 'F',
    kSyntaxErrorPrototype = 'S',
    kTypeErrorPrototype = 'T',
    kUriErrorPrototype = 'U',
    kMessage = 'm',
    kCause = 'c',
    kStack = 's',
    kEnd = '.',
};

inline constexpr std::pair<ErrorTag, const char*> kErrorPrototypes[] = {
    {ErrorTag::kEvalErrorPrototype, "EvalError"},           {ErrorTag::kRangeErrorPrototype, "RangeError"},
    {ErrorTag::kReferenceErrorPrototype, "ReferenceError"}, {ErrorTag::kSyntaxErrorPrototype, "SyntaxError"},
    {ErrorTag::kTypeErrorPrototype, "TypeError"},           {ErrorTag::kUriErrorPrototype, "URIError"}};

// V8's own ArrayBufferView subtags (after kArrayBufferView). Node writes views as
// host objects instead: kHostObject, 0, the view's index in Bytes::Kind order.
enum class ArrayBufferViewTag : std::uint8_t {
    kInt8Array = 'b',
    kUint8Array = 'B',
    kUint8ClampedArray = 'C',
    kInt16Array = 'w',
    kUint16Array = 'W',
    kInt32Array = 'd',
    kUint32Array = 'D',
    kFloat32Array = 'f',
    kFloat64Array = 'F',
    kBigInt64Array = 'q',
    kBigUint64Array = 'Q',
    kDataView = '?',
};

inline constexpr std::pair<ArrayBufferViewTag, Bytes::Kind> kViewKinds[] = {
    {ArrayBufferViewTag::kInt8Array, Bytes::Kind::int8Array},
    {ArrayBufferViewTag::kUint8Array, Bytes::Kind::uint8Array},
    {ArrayBufferViewTag::kUint8ClampedArray, Bytes::Kind::uint8ClampedArray},
    {ArrayBufferViewTag::kInt16Array, Bytes::Kind::int16Array},
    {ArrayBufferViewTag::kUint16Array, Bytes::Kind::uint16Array},
    {ArrayBufferViewTag::kInt32Array, Bytes::Kind::int32Array},
    {ArrayBufferViewTag::kUint32Array, Bytes::Kind::uint32Array},
    {ArrayBufferViewTag::kFloat32Array, Bytes::Kind::float32Array},
    {ArrayBufferViewTag::kFloat64Array, Bytes::Kind::float64Array},
    {ArrayBufferViewTag::kBigInt64Array, Bytes::Kind::bigInt64Array},
    {ArrayBufferViewTag::kBigUint64Array, Bytes::Kind::bigUint64Array},
    {ArrayBufferViewTag::kDataView, Bytes::Kind::dataView}};

// Node's host objects (ChildProcessSerializer): a view, or any value behind it.
inline constexpr std::uint64_t kHostArrayBufferView = 0;
inline constexpr std::uint64_t kHostValue = 1;
inline constexpr unsigned kLastViewIndex = 12;  // Node's view type indexes (lib/v8.js)

// JSRegExp's flag bits, in the order JavaScript prints the flags.
inline constexpr std::pair<char, unsigned> kRegExpFlags[] = {{'d', 128}, {'g', 1},  {'i', 2},   {'m', 4},
                                                             {'s', 32},  {'u', 16}, {'v', 256}, {'y', 8}};

}  // namespace childproc::detail::v8
