#pragma once
// One stream's output, buffered up to maxBuffer bytes. Async exec keeps exactly
// maxBuffer bytes; spawnSync keeps the chunk that crossed the limit whole, as Node does.

#include <cstddef>
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
        if (chunk.size() <= max_ - data_.size()) {
            data_.append(chunk);
            return true;
        }
        overflowed_ = true;
        data_.append(mode_ == Overflow::truncate ? chunk.substr(0, max_ - data_.size()) : chunk);
        return false;
    }

    bool overflowed() const { return overflowed_; }
    const std::string& data() const { return data_; }
    std::string take() { return std::move(data_); }

private:
    std::size_t max_;
    Overflow mode_;
    bool overflowed_ = false;
    std::string data_;
};

}  // namespace childproc::detail
