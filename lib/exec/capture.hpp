// SPDX-License-Identifier: MIT
#pragma once
// One stream's output, buffered up to maxBuffer bytes. Async exec keeps exactly
// maxBuffer bytes, or with an encoding cuts the decoded text as Node does;
// spawnSync keeps the chunk that crossed the limit whole, as Node does.

#include <cstddef>
#include <new>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "exec/encoding.hpp"

namespace childproc::detail {

class Capture {
public:
    // truncateText: Node's exec with an encoding. It decodes each chunk, counts the
    // text's UTF-8 bytes (Buffer.byteLength) but cuts the chunk that crosses the
    // limit at that many UTF-16 units (String.prototype.slice): maxBuffer 10 keeps
    // all of "中文测试\n" (13 bytes, 5 units), and still fails.
    enum class Overflow { truncate, truncateText, keepChunk };

    Capture(std::size_t maxBuffer, Overflow mode) : max_(maxBuffer), mode_(mode) {}

    // Appends; returns false when this chunk crossed maxBuffer (once).
    bool add(std::string_view chunk) {
        if (overflowed_) return true;
        if (mode_ == Overflow::truncateText) {
            text_.clear();
            decoder_.decode(chunk, text_);
            return addBytes(text_);
        }
        return addBytes(chunk);
    }

    // The end of the stream: in truncateText mode an unfinished character becomes
    // U+FFFD, counted like any other output. Returns false if that crossed maxBuffer.
    bool finish() {
        if (overflowed_ || mode_ != Overflow::truncateText) return true;
        text_.clear();
        decoder_.end(text_);
        return addBytes(text_);
    }

    std::string take() { return std::move(data_); }

private:
    static constexpr std::size_t kSmall = 64 * 1024;
    static constexpr std::size_t kEagerReserve = 256u << 20;

    bool addBytes(std::string_view chunk) {
        if (data_.capacity() < kEagerReserve && data_.size() + chunk.size() > kSmall) reserveAhead();
        if (chunk.size() <= max_ - data_.size()) {
            data_.append(chunk);
            return true;
        }
        overflowed_ = true;
        const std::size_t room = max_ - data_.size();
        if (mode_ == Overflow::keepChunk) {
            data_.append(chunk);
        } else if (mode_ == Overflow::truncate) {
            data_.append(chunk.substr(0, room));
        } else {
            bool halfPair = false;
            data_.append(chunk.substr(0, utf16Prefix(chunk, room, halfPair)));
            if (halfPair) data_ += kReplacementChar;  // a lone surrogate, as Node writes it in UTF-8
        }
        return false;
    }

    // Past one read, output is likely large: reserve up to min(maxBuffer, 256 MiB)
    // at once. Pages of it that are never written cost neither RSS nor page
    // faults, and appends then never copy what came before (std::string's
    // doubling would, faulting in fresh pages each time: 2× the time, 1.3× the
    // peak RSS of a realloc loop on 100 MiB).
    void reserveAhead() {
        try {
            data_.reserve(max_ < kEagerReserve ? max_ : kEagerReserve);
        } catch (const std::bad_alloc&) {
            // Strict overcommit: fall back to growing as we go.
        }
    }

    std::size_t max_;
    Overflow mode_;
    bool overflowed_ = false;
    std::string data_;
    Utf8Decoder decoder_;  // truncateText only
    std::string text_;     // truncateText: the chunk being added, decoded
};

}  // namespace childproc::detail
