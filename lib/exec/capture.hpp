// SPDX-License-Identifier: MIT
#pragma once
// One stream's output, buffered up to maxBuffer bytes. Async exec keeps exactly
// maxBuffer bytes; spawnSync keeps the chunk that crossed the limit whole, as Node does.

#include <cstddef>
#include <new>
#include <string>
#include <string_view>

namespace childproc::detail {

class Capture {
public:
    enum class Overflow { truncate, keepChunk };

    Capture(std::size_t maxBuffer, Overflow mode) : max_(maxBuffer), mode_(mode) {}

    // Appends; returns false when this chunk crossed maxBuffer (once).
    bool add(std::string_view chunk) {
        if (overflowed_) return true;
        if (data_.capacity() < kEagerReserve && data_.size() + chunk.size() > kSmall) reserveAhead();
        if (chunk.size() <= max_ - data_.size()) {
            data_.append(chunk);
            return true;
        }
        overflowed_ = true;
        data_.append(mode_ == Overflow::truncate ? chunk.substr(0, max_ - data_.size()) : chunk);
        return false;
    }

    std::string take() { return std::move(data_); }

private:
    static constexpr std::size_t kSmall = 64 * 1024;
    static constexpr std::size_t kEagerReserve = 256u << 20;

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
};

}  // namespace childproc::detail
